package api

import (
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// The money types marshal themselves (decimals as strings, amounts as
// {"amount", "currency"}); these stand-ins give the OpenAPI document and
// huma's validation their true shape.

// decimalSchema is a money.Decimal on the wire.
type decimalSchema string

// Schema describes an exact decimal written as a string.
func (decimalSchema) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Pattern: `^-?[0-9]+(\.[0-9]+)?$`, MaxLength: intPtr(40),
		Description: "An exact decimal number written as a string, e.g. \"63.00\"; never a JSON number.", Examples: []any{"63.00"}}
}

// currencySchema is a money.Currency on the wire.
type currencySchema string

// Schema describes an ISO 4217 code.
func (currencySchema) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Pattern: `^[A-Z]{3}$`, Description: "An ISO 4217 currency code.", Examples: []any{"EUR"}}
}

// Money is an amount of money on the wire.
type Money struct {
	Amount   decimalSchema  `json:"amount" doc:"The amount with exactly the currency's minor units, e.g. \"63.00\"."`
	Currency currencySchema `json:"currency"`
}

func intPtr(n int) *int { return &n }

func registerMoneySchemas(r huma.Registry) {
	r.RegisterTypeAlias(reflect.TypeFor[money.Decimal](), reflect.TypeFor[decimalSchema]())
	r.RegisterTypeAlias(reflect.TypeFor[money.Currency](), reflect.TypeFor[currencySchema]())
	r.RegisterTypeAlias(reflect.TypeFor[money.Amount](), reflect.TypeFor[Money]())
}
