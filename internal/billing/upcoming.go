package billing

import (
	"context"
	"errors"
	"time"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// Upcoming is what the next billing run will invoice an organization.
type Upcoming struct {
	// BillAt is when: now if charges are already due, else the date of the
	// earliest one (nil when nothing is pending).
	BillAt *time.Time `json:"bill_at,omitempty"`
	// Invoices are the documents the run will make, without their numbers
	// (ids are provisional).
	Invoices []Invoice `json:"invoices"`
}

// UpcomingInvoice is a dry run of the next billing run for one payer: the
// same code builds the same documents from the same charges and usage, so
// what it shows is what the run will invoice (unless usage is recorded or
// prices change in between). The payer, its channel and staff may ask;
// each sees only the documents whose prices channel.PriceSight lets it
// see (the payer and the issuing seller theirs, staff all): a distributor
// asking for its reseller's customer sees none of the reseller's invoices.
func (s *Service) UpcomingInvoice(ctx context.Context, payerID string) (Upcoming, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Upcoming{}, err
	}
	if err := validate.CheckID("id", ids.Organization, payerID); err != nil {
		return Upcoming{}, err
	}
	ok, err := s.identity.CanSeeOrg(ctx, a, payerID)
	if err != nil {
		return Upcoming{}, err
	}
	if !ok {
		return Upcoming{}, errs.NotFound("organization_not_found", "no such organization")
	}
	out := Upcoming{Invoices: []Invoice{}}
	err = s.db.InTx(identity.AsSystem(ctx), func(ctx context.Context) error {
		at, err := s.upcomingAt(ctx, payerID)
		if err != nil {
			return err
		}
		if at.IsZero() {
			return nil
		}
		out.BillAt = &at
		charges, err := db.Select(ctx, s.db, s.scanCharge, s.chargeSelect()+`
			WHERE cs.status = 'pending' AND cs.payer_org_id = $1 AND cs.bill_at <= $2`, payerID, at)
		if err != nil {
			return err
		}
		// The periods that start by then bring their charges, as the
		// lifecycle will record them.
		have := map[string]bool{}
		for _, c := range charges {
			have[c.Key] = true
		}
		periods, err := s.subs.NextPeriods(ctx, payerID, at)
		if err != nil {
			return err
		}
		for _, ev := range periods {
			cs, err := s.chargesOfPeriod(ctx, ev, ev.Start)
			if err != nil {
				return err
			}
			for _, c := range cs {
				if !have[c.Key] && !c.BillAt.After(at) {
					charges = append(charges, c)
				}
			}
		}
		docs, err := s.buildDocs(ctx, charges)
		if err != nil {
			return err
		}
		hidden := 0
		for _, d := range docs {
			// Only the documents the caller will read once issued: a
			// party above the issuing seller may not see its prices.
			if !channel.PriceSight(a, channel.Deal{BuyerOrgID: d.inv.RecipientOrgID, SellerOrgID: d.inv.IssuerOrgID}).BuyerPrice {
				hidden++
				continue
			}
			d.inv.Status = StatusDraft
			d.inv.explainLines()
			out.Invoices = append(out.Invoices, d.inv)
		}
		if hidden > 0 && len(out.Invoices) == 0 {
			out.BillAt = nil // nothing the caller may see is pending
		}
		return nil
	})
	return out, err
}

// upcomingAt is when the next run invoices something for payerID: now if
// a charge is due, else when its earliest charge or period comes; zero
// when nothing will.
func (s *Service) upcomingAt(ctx context.Context, payerID string) (time.Time, error) {
	now := s.db.Now(ctx)
	var at time.Time
	err := s.db.QueryRow(ctx, `SELECT bill_at FROM charge_states WHERE status = 'pending' AND payer_org_id = $1 ORDER BY bill_at LIMIT 1`, payerID).Scan(&at)
	if err != nil && !errors.Is(err, db.ErrNoRows) {
		return at, err
	}
	next, err := s.subs.NextRenewal(ctx, payerID)
	if err != nil {
		return at, err
	}
	if at.IsZero() || (!next.IsZero() && next.Before(at)) {
		at = next
	}
	if !at.IsZero() && at.Before(now) {
		at = now
	}
	return at, nil
}
