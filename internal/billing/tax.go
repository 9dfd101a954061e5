package billing

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/catalog"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// TaxRate is the tax on a product tax category in a customer country.
type TaxRate struct {
	ID       string `json:"id"`
	Country  string `json:"country"`
	Category string `json:"category"`
	// Rate is a percentage, 0 to 100.
	Rate money.Decimal `json:"rate"`
	// Name is printed on invoices ("VAT IT").
	Name string `json:"name"`
	// ReverseCharge: a business customer of this country (it has a tax id)
	// buying from an issuer in another country pays no tax; it accounts
	// for it itself, and the invoice says so.
	ReverseCharge bool      `json:"reverse_charge"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// TaxRateInput creates or changes a tax rate; on update nil fields keep
// theirs.
type TaxRateInput struct {
	Country       *string
	Category      *string
	Rate          *money.Decimal
	Name          *string
	ReverseCharge *bool
}

const taxRateColumns = `id, country, category, rate, name, reverse_charge, created_at, updated_at`

func scanTaxRate(sc db.Scanner) (TaxRate, error) {
	var r TaxRate
	err := sc.Scan(&r.ID, &r.Country, &r.Category, &r.Rate, &r.Name, &r.ReverseCharge, &r.CreatedAt, &r.UpdatedAt)
	return r, err
}

var errTaxRateNotFound = errs.NotFound("tax_rate_not_found", "no such tax rate")

// ListTaxRates lists the tax rates by country and category (anyone signed
// in: prices are shown with the tax that applies).
func (s *Service) ListTaxRates(ctx context.Context) ([]TaxRate, error) {
	if _, err := identity.Caller(ctx); err != nil {
		return nil, err
	}
	return db.Select(ctx, s.db, scanTaxRate, `SELECT `+taxRateColumns+` FROM tax_rates ORDER BY country, category`)
}

func (r *TaxRate) apply(v *validate.Collector, in TaxRateInput) {
	if in.Country != nil {
		r.Country = v.Country("country", *in.Country)
		if r.Country == "" {
			v.Add("country", "required", "is required")
		}
	}
	if in.Category != nil {
		r.Category = strings.ToLower(strings.TrimSpace(*in.Category))
		if !catalog.ValidTaxCategory(r.Category) {
			v.Add("category", "invalid_format", "1 to 40 lower-case letters, digits and underscores")
		}
	}
	if in.Rate != nil {
		r.Rate = *in.Rate
		if r.Rate.IsNegative() || r.Rate.Cmp(hundred) > 0 {
			v.Add("rate", "tax_rate_out_of_range", "must be between 0 and 100")
		} else if _, err := money.ParsePrice(r.Rate.String()); err != nil {
			v.Add("rate", "too_precise", "at most 9 decimal places")
		}
	}
	if in.Name != nil {
		r.Name = v.Name("name", *in.Name, 60)
	}
	if in.ReverseCharge != nil {
		r.ReverseCharge = *in.ReverseCharge
	}
}

// CreateTaxRate adds the rate of a category in a country (administrators
// with the wholesale pricing function). Errors: validation_failed (country,
// category, rate 0..100 as tax_rate_out_of_range, name required),
// tax_rate_exists (conflict).
func (s *Service) CreateTaxRate(ctx context.Context, in TaxRateInput) (TaxRate, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return TaxRate{}, err
	}
	if err := identity.StaffMay(a, identity.WholesalePricing, "configuring taxes"); err != nil {
		return TaxRate{}, err
	}
	v := validate.New()
	r := TaxRate{Category: catalog.DefaultTaxCategory}
	for field, missing := range map[string]bool{"country": in.Country == nil, "rate": in.Rate == nil, "name": in.Name == nil} {
		if missing {
			v.Add(field, "required", "is required")
		}
	}
	r.apply(v, in)
	if err := v.Err(); err != nil {
		return TaxRate{}, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.db.Now(ctx)
		r.ID, r.CreatedAt, r.UpdatedAt = ids.New(TaxRateKind), now, now
		_, err := s.db.Exec(ctx, `INSERT INTO tax_rates (`+taxRateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			r.ID, r.Country, r.Category, r.Rate, r.Name, r.ReverseCharge, r.CreatedAt, r.UpdatedAt)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("tax_rate_exists", "this country and category already have a rate")
		}
		if err != nil {
			return err
		}
		return s.rec.Created(ctx, "tax_rate.create", "tax_rate", r.ID, a.OrgID, r, "")
	})
	return r, err
}

// UpdateTaxRate changes a tax rate. A change applies to invoices issued
// from then on; issued invoices keep the rate they were issued with.
func (s *Service) UpdateTaxRate(ctx context.Context, id string, in TaxRateInput) (TaxRate, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return TaxRate{}, err
	}
	if err := identity.StaffMay(a, identity.WholesalePricing, "configuring taxes"); err != nil {
		return TaxRate{}, err
	}
	if err := validate.CheckID("id", TaxRateKind, id); err != nil {
		return TaxRate{}, err
	}
	var out TaxRate
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := db.Get(ctx, s.db, scanTaxRate, `SELECT `+taxRateColumns+` FROM tax_rates WHERE id = $1`+s.db.Dialect().ForUpdate(), id)
		if errors.Is(err, db.ErrNoRows) {
			return errTaxRateNotFound
		}
		if err != nil {
			return err
		}
		out = before
		v := validate.New()
		out.apply(v, in)
		if err := v.Err(); err != nil {
			return err
		}
		changes := audit.Diff(before, out)
		if len(changes) == 0 {
			return nil
		}
		out.UpdatedAt = s.db.Now(ctx)
		_, err = s.db.Exec(ctx, `UPDATE tax_rates SET country = $2, category = $3, rate = $4, name = $5, reverse_charge = $6, updated_at = $7 WHERE id = $1`,
			out.ID, out.Country, out.Category, out.Rate, out.Name, out.ReverseCharge, out.UpdatedAt)
		if db.IsUniqueViolation(err) {
			return errs.Conflict("tax_rate_exists", "this country and category already have a rate")
		}
		if err != nil {
			return err
		}
		return s.rec.Record(ctx, "tax_rate.update", "tax_rate", out.ID, a.OrgID, changes, "", nil)
	})
	return out, err
}

// DeleteTaxRate removes a tax rate: its country and category fall back to
// the country's standard rate, or no tax.
func (s *Service) DeleteTaxRate(ctx context.Context, id string) error {
	a, err := identity.Writer(ctx)
	if err != nil {
		return err
	}
	if err := identity.StaffMay(a, identity.WholesalePricing, "configuring taxes"); err != nil {
		return err
	}
	if err := validate.CheckID("id", TaxRateKind, id); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := db.Get(ctx, s.db, scanTaxRate, `SELECT `+taxRateColumns+` FROM tax_rates WHERE id = $1`, id)
		if errors.Is(err, db.ErrNoRows) {
			return errTaxRateNotFound
		}
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `DELETE FROM tax_rates WHERE id = $1`, id); err != nil {
			return err
		}
		return s.rec.Record(ctx, "tax_rate.delete", "tax_rate", id, a.OrgID, audit.Diff(before, nil), "", nil)
	})
}

// taxTable resolves the rate of a line.
type taxTable map[string]TaxRate

func (s *Service) loadTaxes(ctx context.Context) (taxTable, error) {
	return memo.Get(ctx, "billing.taxes", func() (taxTable, error) { return s.readTaxes(ctx) })
}

// readTaxes reads what loadTaxes answers.
func (s *Service) readTaxes(ctx context.Context) (taxTable, error) {
	rates, err := db.Select(ctx, s.db, scanTaxRate, `SELECT `+taxRateColumns+` FROM tax_rates`)
	if err != nil {
		return nil, err
	}
	t := taxTable{}
	for _, r := range rates {
		t[r.Country+"/"+r.Category] = r
	}
	return t, nil
}

// rate is the tax on category sold by issuer to recipient: the country's
// rate for the category, else its standard rate, else none; zero under a
// reverse charge, which it reports.
func (t taxTable) rate(category string, issuer, recipient party) (TaxRate, bool) {
	r, ok := t[recipient.Country+"/"+category]
	if !ok {
		r, ok = t[recipient.Country+"/"+catalog.DefaultTaxCategory]
	}
	if !ok {
		return TaxRate{}, false
	}
	if r.ReverseCharge && recipient.TaxID != "" && recipient.Country != issuer.Country {
		return TaxRate{Name: r.Name, Country: r.Country, Category: r.Category}, true
	}
	return r, false
}

// TaxEstimate is the tax billing will put on an invoice of quoted lines.
type TaxEstimate struct {
	// Taxes are per rate, as the invoice will print them; Tax their sum
	// and Total the lines with it.
	Taxes []TaxLine    `json:"taxes"`
	Tax   money.Amount `json:"tax"`
	Total money.Amount `json:"total"`
	// ReverseCharge: the customer accounts for the tax itself (a business
	// of another country than the seller's).
	ReverseCharge bool `json:"reverse_charge"`
}

// EstimateTax computes the tax an invoice from seller to customer of lines
// (a quote's first invoice, say) will carry for a product of taxCategory:
// the same rate resolution and rounding as a billing run. Checkout shows it
// before the order; the invoice stays the authority (rates may change).
func (s *Service) EstimateTax(ctx context.Context, sellerOrgID, customerOrgID, taxCategory string, cur money.Currency, lines []pricing.QuoteLine) (TaxEstimate, error) {
	if _, err := identity.Caller(ctx); err != nil {
		return TaxEstimate{}, err
	}
	taxes, err := s.loadTaxes(ctx)
	if err != nil {
		return TaxEstimate{}, err
	}
	ps, err := s.parties(ctx, []string{sellerOrgID, customerOrgID})
	if err != nil {
		return TaxEstimate{}, err
	}
	if taxCategory == "" {
		taxCategory = catalog.DefaultTaxCategory
	}
	rate, reverse := taxes.rate(taxCategory, ps[sellerOrgID], ps[customerOrgID])
	inv := Invoice{}
	for _, l := range lines {
		inv.Lines = append(inv.Lines, Line{Amount: l.Amount, TaxRate: rate.Rate, TaxName: rate.Name, exact: exact(l)})
	}
	if err := inv.total(cur); err != nil {
		return TaxEstimate{}, err
	}
	return TaxEstimate{Taxes: inv.Taxes, Tax: inv.Tax, Total: inv.Total, ReverseCharge: reverse}, nil
}

// EstimateOrderTax is EstimateTax's tax alone, in cur: what an order
// records when it is placed (subscription.TaxEstimator). Its errors are
// EstimateTax's.
func (s *Service) EstimateOrderTax(ctx context.Context, issuerOrgID, customerOrgID, taxCategory string, cur money.Currency, lines []pricing.QuoteLine) (money.Amount, error) {
	est, err := s.EstimateTax(ctx, issuerOrgID, customerOrgID, taxCategory, cur, lines)
	if err != nil {
		return money.Amount{}, err
	}
	if est.Tax.Currency().IsZero() {
		return money.NewAmount(0, cur), nil
	}
	return est.Tax, nil
}
