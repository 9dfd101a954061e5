package api

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"sort"
	"testing"
)

// schemaName is what a generated client can turn into a type name as is.
var schemaName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// TestSchemaNames keeps every schema of the real API named after a Go type.
// huma names a schema after its Go type; an anonymous type gets a name made
// up from its operation id ("List-categoriesResponse") or its parent
// ("PaymentRequestAttachmentStruct"), which clients generated from the
// document choke on or collide over. Give every body, and every struct a
// body nests, a named type.
func TestSchemaNames(t *testing.T) {
	t.Parallel()
	a := New(Config{})
	// Registering needs no service: handlers only run on requests.
	RegisterIdentity(a, nil)
	RegisterCatalog(a, nil)
	RegisterChannel(a, nil)
	RegisterSubscriptions(a, nil)
	RegisterBilling(a, nil)
	RegisterTestClock(a, nil, nil)
	reg := a.Huma().OpenAPI().Components.Schemas
	names := make([]string, 0, len(reg.Map()))
	for name := range reg.Map() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !schemaName.MatchString(name) {
			t.Errorf("schema %q: a name must match %s", name, schemaName)
		}
		typ := reg.TypeFromRef("#/components/schemas/" + name)
		for typ != nil && typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ == nil || typ.Name() == "" {
			t.Errorf("schema %q is an anonymous Go type (%v): huma made its name up; declare a named type", name, typ)
		}
	}
}

// TestCommittedSchemaNames checks the committed document too: the
// application registers what this package's test cannot see.
func TestCommittedSchemaNames(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Components.Schemas) == 0 {
		t.Fatal("api/openapi.json has no schemas")
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for name := range doc.Components.Schemas {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !schemaName.MatchString(name) {
			t.Errorf("api/openapi.json: schema %q: a name must match %s", name, schemaName)
		}
	}
}
