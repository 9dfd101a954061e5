package billing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// A lifecycle batch announces up to a thousand started periods in one
// event. Charged one by one they cost about ten statements each (vendor
// lines, the arrears to carry, three inserts and a merge): on PostgreSQL
// over a millisecond a period. chargePeriods charges them all in a handful
// of statements per event: the charges are made in memory, then the
// reads and writes go by the batch (IN lists, COPY, one UPDATE).

// idChunk is the most ids a query lists in one IN (...).
const idChunk = 500

// startedPeriod is a period to charge: its event, and when its advance
// charge is billed.
type startedPeriod struct {
	ev     subscription.PeriodEvent
	billAt time.Time
}

// subPeriod names a subscription's period boundary: the end of an arrears
// charge, the start of the advance charge that carries it.
type subPeriod struct {
	sub string
	at  int64 // Unix nanoseconds
}

func subPeriodOf(sub string, at time.Time) subPeriod { return subPeriod{sub, at.UnixNano()} }

// chargePeriods records the charges of periods as if one by one, in
// order: a charge whose key exists (or came earlier in the batch) is left
// out, and an advance charge added carries the pending arrears charge of
// its subscription's previous period (recorded before, or earlier in the
// batch), which is marked merged. It runs in the delivery's transaction.
func (s *Service) chargePeriods(ctx context.Context, ps []startedPeriod) error {
	cs, err := s.chargesOfPeriods(ctx, ps)
	if err != nil || len(cs) == 0 {
		return err
	}
	for i := range cs {
		if cs[i].ID == "" {
			cs[i].ID = ids.New(ChargeKind)
		}
	}
	pending, err := s.pendingArrearsOf(ctx, cs)
	if err != nil {
		return err
	}
	return s.addNewCharges(ctx, cs, pending)
}

// chargesOfPeriods makes the charges of periods, in their order (without
// recording them), reading the recurring vendor lines of all their
// subscriptions at once.
func (s *Service) chargesOfPeriods(ctx context.Context, ps []startedPeriod) ([]charge, error) {
	var subs []string
	for _, p := range ps {
		if p.ev.Kind != subscription.KindTrial && p.ev.Kind != subscription.KindSandbox {
			subs = append(subs, p.ev.SubscriptionID)
		}
	}
	lines, err := s.recurringVendorLines(ctx, subs)
	if err != nil {
		return nil, err
	}
	var out []charge
	for _, p := range ps {
		cs, err := s.chargesWith(ctx, p.ev, p.billAt, lines[p.ev.SubscriptionID])
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// recurringVendorLines are the active recurring vendor lines of subs, by
// subscription, each's in id order.
func (s *Service) recurringVendorLines(ctx context.Context, subs []string) (map[string][]VendorLine, error) {
	out := map[string][]VendorLine{}
	for chunk := range slices.Chunk(distinct(subs), idChunk) {
		lines, err := db.Select(ctx, s.db, scanVendorLine, `SELECT `+vendorLineColumns+` FROM vendor_lines
			WHERE subscription_id IN (`+db.In(2, len(chunk))+`) AND status = 'active' AND recurring = $1 ORDER BY id`,
			append([]any{true}, strArgs(chunk)...)...)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			out[l.SubscriptionID] = append(out[l.SubscriptionID], l)
		}
	}
	return out, nil
}

// pendingArrearsOf are the pending arrears charges the advance charges
// among cs would carry (ending when one starts), locked, by subscription
// and end.
func (s *Service) pendingArrearsOf(ctx context.Context, cs []charge) (map[subPeriod]charge, error) {
	want := map[subPeriod]bool{}
	ends := map[string][]time.Time{} // by subscription
	var subs []string
	for _, c := range cs {
		if c.Kind == ChargeAdvance && c.PeriodStart != nil {
			want[subPeriodOf(c.SubscriptionID, *c.PeriodStart)] = true
			subs = append(subs, c.SubscriptionID)
			ends[c.SubscriptionID] = append(ends[c.SubscriptionID], *c.PeriodStart)
		}
	}
	out := map[subPeriod]charge{}
	for chunk := range slices.Chunk(distinct(subs), idChunk) {
		var at []any
		seen := map[int64]bool{}
		for _, sub := range chunk {
			for _, t := range ends[sub] {
				if !seen[t.UnixNano()] {
					seen[t.UnixNano()] = true
					at = append(at, t)
				}
			}
		}
		found, err := s.arrearsOf(ctx, chunk, at, want)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			continue
		}
		rows, err := db.Select(ctx, s.db, s.scanCharge, s.chargeSelect()+` WHERE c.id IN (`+db.In(1, len(found))+`)
			AND cs.status = 'pending'`+s.db.Dialect().ForUpdateOf("cs"), strArgs(found)...)
		if err != nil {
			return nil, err
		}
		for _, c := range rows {
			out[subPeriodOf(c.SubscriptionID, *c.PeriodEnd)] = c
		}
	}
	return out, nil
}

// arrearsOf are the ids of the arrears charges of subs ending at one of
// ends (times) as want asks, whatever their state. They are found by
// their subscriptions first, apart from the states: asked with the states
// joined, SQLite's planner walked every pending charge state (and every
// charge for each).
func (s *Service) arrearsOf(ctx context.Context, subs []string, ends []any, want map[subPeriod]bool) ([]string, error) {
	args := append(strArgs(subs), ends...)
	t := s.db.Dialect()
	rows, err := db.Select(ctx, s.db, func(sc db.Scanner) (charge, error) {
		var c charge
		return c, sc.Scan(&c.ID, &c.SubscriptionID, t.NullTimeDest(&c.PeriodEnd))
	}, `SELECT id, subscription_id, `+t.TimeText("period_end")+` FROM charges WHERE subscription_id IN (`+db.In(1, len(subs))+`)
		AND kind = 'arrears' AND period_end IN (`+db.In(len(subs)+1, len(ends))+`)`, args...)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range rows {
		if c.PeriodEnd != nil && want[subPeriodOf(c.SubscriptionID, *c.PeriodEnd)] {
			out = append(out, c.ID)
		}
	}
	return out, nil
}

// addNewCharges records the charges of cs whose keys no charge has yet
// (the first of each key in cs), carrying pending arrears charges, and
// marks those carried merged.
func (s *Service) addNewCharges(ctx context.Context, cs []charge, pending map[subPeriod]charge) error {
	fresh, err := s.insertNewCharges(ctx, firstOfEachKey(cs))
	if err != nil || len(fresh) == 0 {
		return err
	}
	merges := carry(fresh, pending)
	if err := s.insertChargeStates(ctx, fresh); err != nil {
		return err
	}
	return s.mergeArrears(ctx, merges)
}

// firstOfEachKey is cs without the charges whose key came earlier in cs.
func firstOfEachKey(cs []charge) []charge {
	seen := make(map[string]bool, len(cs))
	out := make([]charge, 0, len(cs))
	for _, c := range cs {
		if !seen[c.Key] {
			seen[c.Key] = true
			out = append(out, c)
		}
	}
	return out
}

// carry makes each advance charge of fresh carry the arrears charge of
// its subscription's previous period: pending, or added earlier in fresh.
// It returns the carried charges' ids, each with its carrier's.
func carry(fresh []charge, pending map[subPeriod]charge) [][2]string {
	added := map[subPeriod]charge{}
	var merges [][2]string
	for i := range fresh {
		c := &fresh[i]
		switch {
		case c.Kind == ChargeArrears && c.PeriodEnd != nil:
			added[subPeriodOf(c.SubscriptionID, *c.PeriodEnd)] = *c
		case c.Kind == ChargeAdvance && c.PeriodStart != nil:
			k := subPeriodOf(c.SubscriptionID, *c.PeriodStart)
			prev, ok := pending[k]
			if !ok {
				prev, ok = added[k]
			}
			if !ok {
				continue
			}
			c.Detail.Carried = &carried{ChargeID: prev.ID, Start: *prev.PeriodStart, End: *prev.PeriodEnd, Postpaid: prev.Detail.Postpaid,
				Levels: prev.Detail.Levels}
			merges = append(merges, [2]string{prev.ID, c.ID})
		}
	}
	return merges
}

// chargeColumns are the columns insertNewCharges writes into charges.
var chargeColumns = []string{"id", "key", "kind", "payer_org_id", "issuer_org_id", "vendor_org_id", "subscription_id", "order_id",
	"currency", "self_billed", "period_start", "period_end", "bill_at", "created_at"}

// insertNewCharges writes the rows of those of cs whose key no charge
// has, and returns them, in order: the unique index on the key decides
// (see db.InsertNew), so two deliveries charging one period at once
// charge it once.
func (s *Service) insertNewCharges(ctx context.Context, cs []charge) ([]charge, error) {
	now := s.db.Now(ctx)
	rows := make([][]any, len(cs))
	for i, c := range cs {
		rows[i] = []any{c.ID, c.Key, c.Kind, c.PayerOrgID, c.IssuerOrgID, c.VendorOrgID, orNull(c.SubscriptionID), orNull(c.OrderID),
			c.Currency.Code(), c.SelfBilled, timeOrNull(c.PeriodStart), timeOrNull(c.PeriodEnd), c.BillAt, now}
	}
	added, err := s.db.InsertNew(ctx, "charges", chargeColumns, "key", rows)
	if err != nil {
		return nil, err
	}
	var fresh []charge
	for i, c := range cs {
		if added[i] {
			fresh = append(fresh, c)
		}
	}
	return fresh, nil
}

// insertChargeStates writes the pending states and the details of
// charges just added, with COPY (a prepared insert on SQLite).
func (s *Service) insertChargeStates(ctx context.Context, cs []charge) error {
	states := make([][]any, len(cs))
	details := make([][]any, len(cs))
	for i, c := range cs {
		detail, err := encodeDetail(c.Detail)
		if err != nil {
			return fmt.Errorf("charge %s: %w", c.Key, err)
		}
		states[i] = []any{c.ID, c.PayerOrgID, c.BillAt, "pending"}
		details[i] = []any{c.ID, detail}
	}
	if _, err := s.db.CopyIn(ctx, "charge_states", []string{"charge_id", "payer_org_id", "bill_at", "status"}, states); err != nil {
		return err
	}
	_, err := s.db.CopyIn(ctx, "charge_details", []string{"charge_id", "detail"}, details)
	return err
}

// mergeArrears marks the pending arrears charges of merges (carried id,
// carrier id) merged into their carriers.
func (s *Service) mergeArrears(ctx context.Context, merges [][2]string) error {
	for chunk := range slices.Chunk(merges, 400) {
		args := make([]any, 0, 2*len(chunk))
		for _, m := range chunk {
			args = append(args, m[0], m[1])
		}
		if _, err := s.db.Exec(ctx, `UPDATE charge_states SET status = 'merged', run_id = v.column2
			FROM (VALUES `+valuePairs(1, len(chunk))+`) AS v WHERE charge_states.charge_id = v.column1 AND charge_states.status = 'pending'`,
			args...); err != nil {
			return err
		}
	}
	return nil
}

// valuePairs lists n rows of two parameters for a VALUES list, numbered
// from start: ($1, $2), ($3, $4), ...; the rows' columns are column1 and
// column2 on both engines.
func valuePairs(start, n int) string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("($%d, $%d)", start+2*i, start+2*i+1)
	}
	return strings.Join(rows, ", ")
}

// operator is the marketplace's operator organization, read once in a
// memo scope (a delivery charges many trials and sandboxes).
func (s *Service) operator(ctx context.Context) (identity.Organization, error) {
	return memo.Get(ctx, "billing.operator", func() (identity.Organization, error) { return s.identity.Operator(identity.AsSystem(ctx)) })
}

// distinct is ss without repeats, in first-seen order.
func distinct(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, v := range ss {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// strArgs are ss as query arguments.
func strArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}

// orNull is v, or NULL when empty.
func orNull(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// timeOrNull is *t, or NULL when t is nil.
func timeOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}
