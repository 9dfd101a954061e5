package billing

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// buildDocs makes the documents of charges; any document that cannot be
// built is the error: an amount beyond what an Amount holds is an
// errs.Invalid with code amount_overflow (wrapping money.ErrOverflow), as
// pricing reports it, never an internal error.
func (s *Service) buildDocs(ctx context.Context, charges []charge) ([]built, error) {
	docs, failed, err := s.buildDocsApart(ctx, charges)
	if err == nil && len(failed) > 0 {
		err = failed[0].err
		if _, ok := errs.As(err); !ok && errors.Is(err, money.ErrOverflow) {
			err = errs.Invalid(pricing.CodeAmountOverflow, "the invoice's amounts are too large to compute exactly").WithCause(err)
		}
	}
	return docs, err
}

// buildDocsApart makes the documents of charges, each apart: a document
// that cannot be built is returned in failed and does not stop the others
// (building only reads what prepare loaded, so a retry fails the same
// way). err is an error of loading, for every document. It reads first
// (prepare), then builds (builder.buildAll) without the database.
func (s *Service) buildDocsApart(ctx context.Context, charges []charge) (docs []built, failed []failedDoc, err error) {
	b, err := s.prepare(ctx, charges)
	if err != nil {
		return nil, nil, err
	}
	// The ids are taken in order first: ids sort as the documents are
	// numbered.
	groups := group(charges)
	docIDs := make([]string, len(groups))
	for i := range docIDs {
		docIDs[i] = ids.New(InvoiceKind)
	}
	docs, failed = b.buildAll(groups, docIDs)
	return docs, failed, nil
}

// prepare loads what building documents for charges needs: settings, tax
// rates, the operator, parties, platform fees, usage.
func (s *Service) prepare(ctx context.Context, charges []charge) (*builder, error) {
	set, err := s.settings(ctx)
	if err != nil {
		return nil, err
	}
	taxes, err := s.loadTaxes(ctx)
	if err != nil {
		return nil, err
	}
	op, err := s.identity.Operator(identity.AsSystem(ctx))
	if err != nil {
		return nil, err
	}
	b := &builder{set: set, taxes: taxes, fees: map[string]money.Decimal{}, operator: op.ID, now: s.db.Now(ctx)}
	need := needsOf(charges, op.ID)
	if b.parties, err = s.parties(ctx, need.orgs); err != nil {
		return nil, err
	}
	for _, v := range need.vendors {
		if b.fees[v], err = s.feePercent(ctx, set, v); err != nil {
			return nil, err
		}
	}
	if b.usage, err = s.usageSince(ctx, need.rated, need.since); err != nil {
		return nil, err
	}
	return b, nil
}

// needs is what building documents of charges reads besides them.
type needs struct {
	orgs    []string  // the parties (payers, issuers, the operator), sorted
	vendors []string  // the vendors owed a platform fee, sorted
	rated   []string  // the subscriptions whose usage is rated, sorted
	since   time.Time // the earliest start of a period of that usage
}

// needsOf is what building documents of charges needs to read, the
// marketplace being operator's.
func needsOf(charges []charge, operator string) needs {
	orgs := map[string]bool{operator: true}
	vendors := map[string]bool{}
	var n needs
	for _, c := range charges {
		orgs[c.PayerOrgID], orgs[c.IssuerOrgID] = true, true
		if c.Kind == ChargeArrears && c.PeriodStart != nil {
			n.rated = append(n.rated, c.SubscriptionID)
			n.since = earliest(n.since, *c.PeriodStart)
		}
		if c.Detail.Carried != nil {
			n.rated = append(n.rated, c.SubscriptionID)
			n.since = earliest(n.since, c.Detail.Carried.Start)
		}
		for _, cl := range c.Detail.Claims {
			if cl.Vendor {
				vendors[cl.Creditor] = true
			}
		}
		levels := c.Detail.Levels
		if c.Detail.Carried != nil {
			levels = append(levels, c.Detail.Carried.Levels...)
		}
		for _, lt := range levels {
			if lt.Vendor {
				vendors[lt.Creditor] = true
			}
		}
		if c.Detail.IssuerVendor {
			vendors[c.IssuerOrgID] = true
		}
	}
	n.orgs, n.vendors = sortedKeys(orgs), sortedKeys(vendors)
	slices.Sort(n.rated)
	n.rated = slices.Compact(n.rated)
	return n
}

// earliest is the earlier of a (zero: none yet) and b.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// usageSince reads the usage recorded for subscriptions subs in the
// periods starting at since or later.
func (s *Service) usageSince(ctx context.Context, subs []string, since time.Time) (map[usageKey]money.Decimal, error) {
	usage := map[usageKey]money.Decimal{}
	for chunk := range slices.Chunk(subs, 200) {
		args := make([]any, len(chunk), len(chunk)+1)
		for i, id := range chunk {
			args[i] = id
		}
		args = append(args, since)
		type rec struct {
			k usageKey
			q money.Decimal
		}
		dia := s.db.Dialect()
		recs, err := db.Select(ctx, s.db, func(sc db.Scanner) (rec, error) {
			var r rec
			var at time.Time
			err := sc.Scan(&r.k.sub, &r.k.item, dia.TimeDest(&at), &r.q)
			r.k.start = at.UnixNano()
			return r, err
		}, `SELECT subscription_id, item, `+dia.TimeText("period_start")+`, quantity FROM usage_records WHERE subscription_id IN (`+db.In(1, len(chunk))+`)
			AND period_start >= $`+strconv.Itoa(len(chunk)+1), args...)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			usage[r.k] = r.q
		}
	}
	return usage, nil
}
