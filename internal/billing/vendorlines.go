package billing

import (
	"context"
	"errors"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// VendorLine is a line a vendor adds to a customer's subscription: once,
// or every period until removed.
type VendorLine struct {
	ID             string        `json:"id"`
	SubscriptionID string        `json:"subscription_id"`
	VendorOrgID    string        `json:"vendor_org_id"`
	Description    string        `json:"description"`
	Quantity       money.Decimal `json:"quantity"`
	UnitPrice      money.Decimal `json:"unit_price"`
	Recurring      bool          `json:"recurring"`
	// Status is active (recurring, charged every period), billed (a
	// one-off line, charged) or removed.
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
}

// VendorLineInput adds a vendor line.
type VendorLineInput struct {
	Description string
	Quantity    money.Decimal
	UnitPrice   money.Decimal
	Recurring   bool
}

const vendorLineColumns = `id, subscription_id, vendor_org_id, description, quantity, unit_price, recurring, status, created_at, ended_at`

func scanVendorLine(sc db.Scanner) (VendorLine, error) {
	var v VendorLine
	err := sc.Scan(&v.ID, &v.SubscriptionID, &v.VendorOrgID, &v.Description, &v.Quantity, &v.UnitPrice, &v.Recurring, &v.Status, &v.CreatedAt, &v.EndedAt)
	return v, err
}

// vendorSub loads a subscription the caller may add vendor lines to or
// report usage of: its vendor's, or any for staff onboarding products.
func (s *Service) vendorSub(ctx context.Context, a actor.Actor, subID string) (subscription.Subscription, error) {
	sub, err := s.subs.GetSubscription(ctx, subID)
	if err != nil {
		return sub, err
	}
	if a.OrgID != sub.VendorOrgID && !(identity.IsStaff(a) && identity.May(a, identity.ProductOnboarding)) {
		return sub, errs.Forbidden("not_vendor", "only the subscription's vendor does this")
	}
	return sub, nil
}

// AddVendorLine adds a line to a subscription (its vendor, or staff
// onboarding products). A one-off line is charged at once; a recurring
// line from the next period on, every period until removed. Lines pass
// through the channel unmarked: every party owes the one above the same
// amount, and the vendor pays its platform fee on it.
//
// Errors: validation_failed (description 1..200 characters, quantity > 0
// and at most money.MaxQuantity, unit_price ≥ 0 and at most
// money.MaxUnitPriceText with at most 9 decimal places, and quantity ×
// unit_price at most money.MaxAmountText), not_vendor,
// subscription_not_active, not_yet_billed (nothing was charged for the
// subscription yet).
func (s *Service) AddVendorLine(ctx context.Context, subID string, in VendorLineInput) (VendorLine, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return VendorLine{}, err
	}
	v := validate.New()
	v.ID("subscription_id", subscription.SubscriptionKind, subID)
	desc := v.Name("description", in.Description, 200)
	v.Check(in.Quantity.IsPositive(), "quantity", "out_of_range", "must be greater than 0")
	v.Check(!in.UnitPrice.IsNegative(), "unit_price", "out_of_range", "must not be negative")
	priceOK, quantityOK := true, true
	if err := money.CheckUnitPrice(in.UnitPrice); errors.Is(err, money.ErrOverflow) {
		v.Add("unit_price", "too_large", "must be at most "+money.MaxUnitPriceText)
		priceOK = false
	} else if err != nil {
		v.Add("unit_price", "too_precise", "at most 9 decimal places")
		priceOK = false
	}
	if err := money.CheckQuantity(in.Quantity); err != nil {
		v.Add("quantity", "too_large", err.Error())
		quantityOK = false
	} else if _, err := pricing.NewQuantity(in.Quantity); err != nil && in.Quantity.IsPositive() {
		v.Add("quantity", "too_precise", "at most 6 decimal places")
		quantityOK = false
	}
	if priceOK && quantityOK && money.CheckAmount(in.UnitPrice.Mul(in.Quantity)) != nil {
		v.Add("unit_price", "too_large", "quantity × unit_price must be at most "+money.MaxAmountText)
	}
	if err := v.Err(); err != nil {
		return VendorLine{}, err
	}
	var out VendorLine
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.vendorSub(ctx, a, subID)
		if err != nil {
			return err
		}
		if sub.Status != subscription.StatusActive {
			return errs.FailedPrecondition("subscription_not_active", "lines are added to active subscriptions")
		}
		base, err := s.lastCharge(ctx, subID)
		if errors.Is(err, errNoCharge) {
			return errs.FailedPrecondition("not_yet_billed", "the subscription has not been charged yet")
		}
		if err != nil {
			return err
		}
		now := s.db.Now(ctx)
		out = VendorLine{ID: ids.New(VendorLineKind), SubscriptionID: subID, VendorOrgID: sub.VendorOrgID, Description: desc,
			Quantity: in.Quantity, UnitPrice: in.UnitPrice, Recurring: in.Recurring, Status: "active", CreatedAt: now}
		if !in.Recurring {
			out.Status = "billed"
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO vendor_lines (id, subscription_id, vendor_org_id, description, quantity, unit_price,
			recurring, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, out.ID, out.SubscriptionID,
			out.VendorOrgID, out.Description, out.Quantity, out.UnitPrice, out.Recurring, out.Status, a.UserID, now); err != nil {
			return err
		}
		if !in.Recurring {
			c, err := vendorLineCharge(base, out, now)
			if err != nil {
				return err
			}
			if _, err := s.addCharge(ctx, c); err != nil {
				return err
			}
		}
		return s.rec.Created(ctx, "vendor_line.create", "vendor_line", out.ID, sub.CustomerOrgID, out, "vendor_line.created")
	})
	return out, err
}

// vendorLineBounds reports whether a stored vendor line is within the
// maxima AddVendorLine enforces (lines stored before them may not be).
func vendorLineBounds(vl VendorLine) error {
	return errors.Join(money.CheckUnitPrice(vl.UnitPrice), money.CheckQuantity(vl.Quantity),
		money.CheckAmount(vl.UnitPrice.Mul(vl.Quantity)))
}

// vendorLineCharge is the charge of a vendor line for the period
// starting at start (a one-off line: at its creation).
func vendorLineCharge(base charge, vl VendorLine, start time.Time) (charge, error) {
	amount, err := money.LineAmount(vl.UnitPrice, vl.Quantity, base.Currency)
	if err != nil {
		return charge{}, err
	}
	c := base
	c.ID, c.Kind, c.Key, c.BillAt = "", ChargeVendorLine, vl.ID+"/"+start.UTC().Format(time.RFC3339Nano), start
	c.OrderID, c.PeriodEnd = "", nil
	if !vl.Recurring {
		c.PeriodStart = nil
	}
	c.Detail.Lines = []pricing.QuoteLine{{Kind: LineVendorLine, Description: c.Detail.Label + ": " + vl.Description, Quantity: vl.Quantity,
		UnitPrice: vl.UnitPrice, Amount: amount}}
	if vl.Recurring && base.PeriodStart != nil {
		p := &pricing.Period{Start: *base.PeriodStart}
		if base.PeriodEnd != nil {
			p.End = *base.PeriodEnd
		}
		c.Detail.Lines[0].Period = p
	}
	c.Detail.Claims, c.Detail.Postpaid, c.Detail.Levels = nil, nil, nil
	if !c.Detail.IssuerVendor {
		ps := c.Detail.Parties
		for i := len(ps) - 1; i > 0; i-- {
			c.Detail.Claims = append(c.Detail.Claims, claim{Debtor: ps[i], Creditor: ps[i-1], Vendor: i-1 == 0, Kind: ledger.KindLicence,
				Amount: amount.Minor()})
		}
	}
	return c, nil
}

// ListVendorLines lists a subscription's vendor lines (to whoever may see
// the subscription).
func (s *Service) ListVendorLines(ctx context.Context, subID string) ([]VendorLine, error) {
	if _, err := identity.Caller(ctx); err != nil {
		return nil, err
	}
	if err := validate.CheckID("subscription_id", subscription.SubscriptionKind, subID); err != nil {
		return nil, err
	}
	if _, err := s.subs.GetSubscription(ctx, subID); err != nil {
		return nil, err
	}
	return db.Select(ctx, s.db, scanVendorLine, `SELECT `+vendorLineColumns+` FROM vendor_lines WHERE subscription_id = $1 ORDER BY id`, subID)
}

// RemoveVendorLine stops a recurring vendor line: periods starting from now
// on no longer carry it.
func (s *Service) RemoveVendorLine(ctx context.Context, id string) (VendorLine, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return VendorLine{}, err
	}
	if err := validate.CheckID("id", VendorLineKind, id); err != nil {
		return VendorLine{}, err
	}
	var out VendorLine
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		vl, err := db.Get(ctx, s.db, scanVendorLine, `SELECT `+vendorLineColumns+` FROM vendor_lines WHERE id = $1`, id)
		if errors.Is(err, db.ErrNoRows) {
			return errs.NotFound("vendor_line_not_found", "no such vendor line")
		}
		if err != nil {
			return err
		}
		sub, err := s.vendorSub(ctx, a, vl.SubscriptionID)
		if errs.Is(err, "subscription_not_found") {
			return errs.NotFound("vendor_line_not_found", "no such vendor line")
		}
		if err != nil {
			return err
		}
		if vl.Status != "active" {
			return errs.FailedPrecondition("vendor_line_not_active", "the line is "+vl.Status)
		}
		now := s.db.Now(ctx)
		if _, err := s.db.Exec(ctx, `UPDATE vendor_lines SET status = 'removed', ended_at = $2 WHERE id = $1`, id, now); err != nil {
			return err
		}
		before := vl
		vl.Status, vl.EndedAt = "removed", &now
		out = vl
		return s.rec.Record(ctx, "vendor_line.remove", "vendor_line", id, sub.CustomerOrgID, audit.Diff(before, vl), "", nil)
	})
	return out, err
}
