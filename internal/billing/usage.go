package billing

import (
	"context"
	"errors"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// Usage is the use of a metric or a postpaid extra resource over one
// period of a subscription, as its vendor reported it.
type Usage struct {
	SubscriptionID string `json:"subscription_id"`
	// Item is the metric's key or the extra resource's id.
	Item        string        `json:"item"`
	Name        string        `json:"name,omitempty"`
	PeriodStart time.Time     `json:"period_start"`
	PeriodEnd   *time.Time    `json:"period_end,omitempty"`
	Quantity    money.Decimal `json:"quantity"`
	// Invoiced is set once the period was invoiced: the value is final.
	Invoiced   bool      `json:"invoiced"`
	RecordedAt time.Time `json:"recorded_at"`
}

// UsageInput sets the use of one item in one period.
type UsageInput struct {
	Item     string
	Quantity money.Decimal
	// PeriodStart picks the period; zero means the current one.
	PeriodStart time.Time
}

// RecordUsage sets a subscription's use of a metric (by key) or postpaid
// extra (by id) over a period, replacing what was recorded before, until
// the period is invoiced in arrears (its vendor, or staff onboarding
// products). Metering will feed the same records.
//
// Errors: validation_failed (item, quantity ≥ 0 and at most
// money.MaxQuantity with at most 6 decimal places), not_vendor, unknown_item (the period prices no such item),
// no_such_period, period_invoiced (conflict: the period's usage is final).
func (s *Service) RecordUsage(ctx context.Context, subID string, in UsageInput) (Usage, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Usage{}, err
	}
	v := validate.New()
	v.ID("subscription_id", subscription.SubscriptionKind, subID)
	item := v.Name("item", in.Item, 80)
	if err := money.CheckQuantity(in.Quantity); err != nil {
		v.Add("quantity", "too_large", err.Error())
	} else if _, err := pricing.NewQuantity(in.Quantity); err != nil {
		v.Add("quantity", "out_of_range", "a quantity ≥ 0 with at most 6 decimal places")
	}
	if err := v.Err(); err != nil {
		return Usage{}, err
	}
	var out Usage
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.vendorSub(ctx, a, subID)
		if err != nil {
			return err
		}
		now := s.db.Now(ctx)
		c, err := s.arrearsCharge(ctx, subID, in.PeriodStart, now)
		if err != nil {
			return err
		}
		term, ok := termOf(c.Detail.Postpaid, item)
		if !ok {
			return errs.Invalid("unknown_item", "the period prices no metric or postpaid extra "+item,
				errs.Field("item", "unknown_item", "a metric key or postpaid extra id of the plan"))
		}
		var before *money.Decimal
		var prev money.Decimal
		if err := s.db.QueryRow(ctx, `SELECT quantity FROM usage_records WHERE subscription_id = $1 AND item = $2 AND period_start = $3`,
			subID, item, *c.PeriodStart).Scan(&prev); err == nil {
			before = &prev
		} else if !errors.Is(err, db.ErrNoRows) {
			return err
		}
		if _, err := s.db.Exec(ctx, `INSERT INTO usage_records (subscription_id, item, period_start, quantity, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (subscription_id, item, period_start)
			DO UPDATE SET quantity = excluded.quantity, recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at`,
			subID, item, *c.PeriodStart, in.Quantity, a.UserID, now); err != nil {
			return err
		}
		out = Usage{SubscriptionID: subID, Item: item, Name: term.Name, PeriodStart: *c.PeriodStart, PeriodEnd: c.PeriodEnd,
			Quantity: in.Quantity, RecordedAt: now}
		change := audit.Change{To: in.Quantity.String()}
		if before != nil {
			change.From = before.String()
		}
		return s.rec.Record(ctx, "usage.record", "subscription", subID, sub.CustomerOrgID, map[string]audit.Change{item: change}, "", nil)
	})
	return out, err
}

func termOf(terms []pricing.PostpaidTerm, item string) (pricing.PostpaidTerm, bool) {
	for _, t := range terms {
		if item == t.ID || (t.Key != "" && item == t.Key) {
			return t, true
		}
	}
	return pricing.PostpaidTerm{}, false
}

// arrearsCharge finds the arrears charge of a subscription's period: the
// one starting at start, or the one running at now.
func (s *Service) arrearsCharge(ctx context.Context, subID string, start, now time.Time) (charge, error) {
	q := s.chargeSelect("cs.status") + ` WHERE c.subscription_id = $1 AND c.kind = 'arrears' AND `
	args := []any{subID}
	if start.IsZero() {
		q += `c.period_start <= $2 AND c.period_end > $2`
		args = append(args, now)
	} else {
		q += `c.period_start = $2`
		args = append(args, start.UTC())
	}
	var status string
	c, err := db.Get(ctx, s.db, func(sc db.Scanner) (charge, error) {
		return s.scanChargeWith(sc, &status)
	}, q+` ORDER BY c.period_start DESC LIMIT 1`, args...)
	if errors.Is(err, db.ErrNoRows) {
		return c, errs.Invalid("no_such_period", "the subscription has no such period with usage to report",
			errs.Field("period_start", "no_such_period", "a period of the subscription with metrics or postpaid extras"))
	}
	if err != nil {
		return c, err
	}
	if status == "merged" {
		// Carried by the next period's charge: open while that is.
		var carrier string
		if err := s.db.QueryRow(ctx, `SELECT carrier.status FROM charge_states merged JOIN charge_states carrier ON carrier.charge_id = merged.run_id
			WHERE merged.charge_id = $1`, c.ID).Scan(&carrier); err != nil {
			return c, err
		}
		status = carrier
	}
	if status != "pending" {
		return c, errs.Conflict("period_invoiced", "the period was invoiced: its usage is final")
	}
	return c, nil
}

// scanChargeWith scans a charge followed by more columns.
func (s *Service) scanChargeWith(sc db.Scanner, more ...any) (charge, error) {
	return s.scanCharge(chargeScanner{sc: sc, more: more})
}

type chargeScanner struct {
	sc   db.Scanner
	more []any
}

func (r chargeScanner) Scan(dest ...any) error { return r.sc.Scan(append(dest, r.more...)...) }

// ListUsage lists a subscription's recorded usage, newest period first (to
// whoever may see the subscription).
func (s *Service) ListUsage(ctx context.Context, subID string) ([]Usage, error) {
	if _, err := identity.Caller(ctx); err != nil {
		return nil, err
	}
	if err := validate.CheckID("subscription_id", subscription.SubscriptionKind, subID); err != nil {
		return nil, err
	}
	if _, err := s.subs.GetSubscription(ctx, subID); err != nil {
		return nil, err
	}
	return db.Select(ctx, s.db, func(sc db.Scanner) (Usage, error) {
		var u Usage
		var status, carrier *string
		err := sc.Scan(&u.SubscriptionID, &u.Item, &u.PeriodStart, &u.Quantity, &u.RecordedAt, &u.PeriodEnd, &status, &carrier)
		u.Invoiced = (status != nil && *status == "invoiced") || (carrier != nil && *carrier == "invoiced")
		return u, err
	}, `SELECT u.subscription_id, u.item, u.period_start, u.quantity, u.recorded_at, c.period_end, cs.status, m.status FROM usage_records u
		LEFT JOIN charges c ON c.subscription_id = u.subscription_id AND c.kind = 'arrears' AND c.period_start = u.period_start
		LEFT JOIN charge_states cs ON cs.charge_id = c.id
		LEFT JOIN charge_states m ON cs.status = 'merged' AND m.charge_id = cs.run_id
		WHERE u.subscription_id = $1 ORDER BY u.period_start DESC, u.item`, subID)
}
