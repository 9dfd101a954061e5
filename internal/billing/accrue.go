package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// onSubscriptionEvent turns subscription events into charges. It runs in
// the outbox's delivery transaction: the charges commit with the delivery.
// Reads that no charge changes (the operator organization) happen once
// per delivery, in a memo scope.
func (s *Service) onSubscriptionEvent(ctx context.Context, ev outbox.Event) error {
	ctx = memo.With(ctx)
	switch ev.Type {
	case "subscription.periods_started":
		var ps subscription.PeriodsStarted
		if err := json.Unmarshal(ev.Data, &ps); err != nil {
			return fmt.Errorf("%s: %w", ev.Type, err)
		}
		started := make([]startedPeriod, len(ps.Periods))
		for i, p := range ps.Periods {
			started[i] = startedPeriod{ev: p, billAt: p.Start}
		}
		return s.chargePeriods(ctx, started)
	case "subscription.period_started", "subscription.renewal_ordered": // period_started: published before periods came in batches
		var p subscription.PeriodEvent
		if err := json.Unmarshal(ev.Data, &p); err != nil {
			return fmt.Errorf("%s: %w", ev.Type, err)
		}
		billAt := p.Start
		if ev.Type == "subscription.renewal_ordered" {
			billAt = ev.OccurredAt // invoiced ahead, to be paid before the expiry
		}
		return s.chargePeriods(ctx, []startedPeriod{{ev: p, billAt: billAt}})
	case "subscription.changed":
		var c subscription.ChangeEvent
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			return fmt.Errorf("%s: %w", ev.Type, err)
		}
		return s.changeCharge(ctx, c)
	}
	return nil
}

// onOrderCancelled drops what an order cancelled before payment still had
// to charge; what was already invoiced is credited.
func (s *Service) onOrderCancelled(ctx context.Context, ev outbox.Event) error {
	var d struct {
		OrderID string `json:"order_id"`
		Reason  string `json:"reason"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return fmt.Errorf("%s: %w", ev.Type, err)
	}
	if _, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'cancelled'
		WHERE charge_id IN (SELECT id FROM charges WHERE order_id = $1) AND status = 'pending'`, d.OrderID); err != nil {
		return err
	}
	return s.creditOrder(ctx, d.OrderID, "order cancelled: "+d.Reason)
}

// chargesOfPeriod makes the charges of a period (without recording them).
func (s *Service) chargesOfPeriod(ctx context.Context, ev subscription.PeriodEvent, billAt time.Time) ([]charge, error) {
	return s.chargesOfPeriods(ctx, []startedPeriod{{ev: ev, billAt: billAt}})
}

// chargesWith makes the charges of a period (without recording them),
// lines being its subscription's active recurring vendor lines.
func (s *Service) chargesWith(ctx context.Context, ev subscription.PeriodEvent, billAt time.Time, lines []VendorLine) ([]charge, error) {
	cur, err := money.ParseCurrency(ev.Currency)
	if err != nil {
		return nil, err
	}
	base := charge{SubscriptionID: ev.SubscriptionID, OrderID: ev.OrderID, ProductID: ev.ProductID, VendorOrgID: ev.VendorOrgID,
		Currency: cur, Detail: chargeDetail{Label: ev.Billed.Label, TaxCategory: ev.Billed.TaxCategory}}
	if ev.Kind == subscription.KindTrial || ev.Kind == subscription.KindSandbox {
		c, ok, err := s.vendorCostCharge(ctx, ev, base)
		if err != nil || !ok {
			return nil, err
		}
		return []charge{c}, nil
	}
	pq, err := periodOf(ev)
	if err != nil {
		return nil, err
	}
	start, end := pq.Start, pq.End
	base.PayerOrgID, base.IssuerOrgID = ev.CustomerOrgID, ev.SellerOrgID
	base.SelfBilled = ev.SelfBilled
	if ev.Billed.IssuerVendor {
		base.IssuerOrgID, base.Detail.IssuerVendor = ev.VendorOrgID, true
	}
	base.Detail.Parties = parties(ev.Chain)
	if !ev.StartsOrder {
		base.OrderID = "" // a later period of a commitment: nothing to settle on the order
	}
	base.PeriodStart = &start
	if !end.IsZero() {
		base.PeriodEnd = &end
	}
	out, err := ratedCharges(ev, pq, base, billAt)
	if err != nil {
		return nil, err
	}
	vls, err := s.recurringVendorCharges(ctx, base, start, lines)
	if err != nil {
		return nil, err
	}
	return append(out, vls...), nil
}

// periodOf is the period's charges as the subscription rated them when it
// published the event: what its order said is due, for a first period.
// (Events published before they carried their period are rated here, from
// the same frozen prices.)
func periodOf(ev subscription.PeriodEvent) (pricing.PeriodQuote, error) {
	if ev.Period != nil {
		return *ev.Period, nil
	}
	pq, err := pricing.ComputePeriod(ev.Rating, ev.PeriodIndex)
	if err != nil {
		return pq, fmt.Errorf("rate period %d of %s: %w", ev.PeriodIndex, ev.SubscriptionID, err)
	}
	return pq, nil
}

// ratedCharges are the charges of a period that pricing rated (pq), made
// from base: the advance charge of its lines, billed at billAt, and the
// arrears charge of its usage prices, billed when it ends; each with what
// the levels of the channel owe each other for it.
func ratedCharges(ev subscription.PeriodEvent, pq pricing.PeriodQuote, base charge, billAt time.Time) ([]charge, error) {
	start, end := pq.Start, pq.End
	var out []charge
	var err error
	if hasAmount(pq.Lines) {
		adv := base
		adv.Kind, adv.Key, adv.BillAt = ChargeAdvance, chargeKey(ev.SubscriptionID, start, ChargeAdvance), billAt
		adv.Detail.Lines = labelled(base.Detail.Label, pq.Lines)
		if !adv.Detail.IssuerVendor {
			if adv.Detail.Claims, err = levelClaims(ev.Rating, ev.Chain, ev.PeriodIndex); err != nil {
				return nil, err
			}
		}
		out = append(out, adv)
	}
	if len(pq.Postpaid) > 0 && !end.IsZero() {
		arr := base
		arr.OrderID = ""
		arr.Kind, arr.Key, arr.BillAt = ChargeArrears, chargeKey(ev.SubscriptionID, start, ChargeArrears), end
		arr.Detail.Postpaid = pq.Postpaid
		if !arr.Detail.IssuerVendor {
			if arr.Detail.Levels, err = levelPostpaid(ev.Rating, ev.Chain, ev.PeriodIndex); err != nil {
				return nil, err
			}
		}
		out = append(out, arr)
	}
	return out, nil
}

// recurringVendorCharges are the charges of lines, the recurring vendor
// lines of base's subscription, for the period starting at start.
func (s *Service) recurringVendorCharges(ctx context.Context, base charge, start time.Time, lines []VendorLine) ([]charge, error) {
	var out []charge
	for _, vl := range lines {
		if err := vendorLineBounds(vl); err != nil {
			// Stored before the maxima existed: charging it would fail
			// the whole period (or wrap an invoice). It is left out, loudly.
			s.log.ErrorContext(ctx, "billing: a recurring vendor line beyond the maxima is not charged", "vendor_line_id", vl.ID,
				"subscription_id", vl.SubscriptionID, "err", err)
			continue
		}
		c, err := vendorLineCharge(base, vl, start)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func hasAmount(lines []pricing.QuoteLine) bool {
	for _, l := range lines {
		if !l.Amount.IsZero() {
			return true
		}
	}
	return false
}

func labelled(label string, lines []pricing.QuoteLine) []pricing.QuoteLine {
	out := make([]pricing.QuoteLine, len(lines))
	for i, l := range lines {
		if l.ComponentPlanID == "" {
			l.Description = label + ": " + l.Description
		}
		out[i] = l
	}
	return out
}

// vendorCostCharge charges a vendor the infrastructure of a trial (for
// its length, prorated by the hour against the plan's period) or of a
// sandbox period.
func (s *Service) vendorCostCharge(ctx context.Context, ev subscription.PeriodEvent, base charge) (charge, bool, error) {
	iaas := ev.Rating.Prices.IaaS
	if len(ev.Chain) > 0 {
		iaas = money.Decimal{}
		for _, c := range ev.Chain {
			if len(c) > 0 {
				iaas = iaas.Add(c[0].Sells.IaaS)
			}
		}
	}
	if !iaas.IsPositive() || ev.End.IsZero() {
		return charge{}, false, nil
	}
	operator, err := s.operator(ctx)
	if err != nil {
		return charge{}, false, err
	}
	terms := ev.Rating.Terms
	periodEnd := terms.PeriodStart(ev.Start, 1)
	amount := iaas
	what := "sandbox"
	if ev.Kind == subscription.KindTrial {
		what = "trial"
		// The trial's share of a period's cost, by the hour (rounded up).
		hours := int64((ev.End.Sub(ev.Start) + time.Hour - 1) / time.Hour)
		periodHours := int64(periodEnd.Sub(ev.Start) / time.Hour)
		if periodHours > 0 {
			var err error
			if amount, err = iaas.Mul(money.DecimalFromInt(hours)).Div(money.DecimalFromInt(periodHours), 12); err != nil {
				return charge{}, false, err
			}
		}
	}
	a, err := money.Round(amount, base.Currency)
	if err != nil || a.IsZero() {
		return charge{}, false, err
	}
	start, end := ev.Start, ev.End
	c := base
	c.Kind, c.Key, c.BillAt = ChargeVendorCost, chargeKey(ev.SubscriptionID, start, ChargeVendorCost), start
	c.PayerOrgID, c.IssuerOrgID, c.OrderID = ev.VendorOrgID, operator.ID, ""
	c.PeriodStart, c.PeriodEnd = &start, &end
	c.Detail.Lines = []pricing.QuoteLine{{Kind: LineVendorCost, Description: base.Detail.Label + ": infrastructure of a " + what,
		Quantity: money.DecimalFromInt(1), UnitPrice: a.Decimal(), Amount: a, Period: &pricing.Period{Start: start, End: end}}}
	return c, true, nil
}

// changeCharge charges an upgrade for the rest of its period, crediting
// the unused part of the old configuration on the same invoice.
func (s *Service) changeCharge(ctx context.Context, ev subscription.ChangeEvent) error {
	p := ev.Proration
	if p == nil || !p.Due.IsPositive() || ev.Old == nil || ev.New == nil {
		return nil
	}
	start, err := time.Parse(time.RFC3339, p.PeriodStart)
	if err != nil {
		return err
	}
	end, err := time.Parse(time.RFC3339, p.PeriodEnd)
	if err != nil {
		return err
	}
	fromLabel, toLabel := ev.FromLabel, ev.Billed.Label
	cur, err := money.ParseCurrency(ev.Currency)
	if err != nil {
		return err
	}
	period := &pricing.Period{Start: ev.At, End: end}
	hours := fmt.Sprintf(" for the remaining %d of %d hours", p.RemainingHours, p.PeriodHours)
	c := charge{Kind: ChargeChange, Key: ev.SubscriptionID + "/" + ev.OrderID + "/" + ChargeChange, PayerOrgID: ev.CustomerOrgID,
		IssuerOrgID: ev.SellerOrgID, VendorOrgID: ev.VendorOrgID, SubscriptionID: ev.SubscriptionID, OrderID: ev.OrderID,
		ProductID: ev.ProductID, Currency: cur, SelfBilled: ev.SelfBilled, PeriodStart: &ev.At, PeriodEnd: &end, BillAt: ev.At,
		Detail: chargeDetail{Label: toLabel, TaxCategory: ev.Billed.TaxCategory, Parties: parties(ev.New.Chain), Lines: []pricing.QuoteLine{
			{Kind: LineProrationCharge, Description: toLabel + hours, Quantity: money.DecimalFromInt(1), UnitPrice: p.Charge.Decimal(),
				Amount: p.Charge, Period: period},
			{Kind: LineProrationCredit, Description: "Unused part of " + fromLabel, Quantity: money.DecimalFromInt(1),
				UnitPrice: p.Credit.Decimal(), Amount: p.Credit, Period: period},
		}}}
	if ev.Billed.IssuerVendor {
		c.IssuerOrgID, c.Detail.IssuerVendor = ev.VendorOrgID, true
	} else if c.Detail.Claims, err = prorationClaims(*ev.Old, *ev.New, start, end, ev.At, cur); err != nil {
		return err
	}
	_, err = s.addCharge(ctx, c)
	return err
}
