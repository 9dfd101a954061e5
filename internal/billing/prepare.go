package billing

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// prepare loads what building documents for charges needs: parties, tax
// rates, usage, fees.
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
	b := &builder{set: set, taxes: taxes, usage: map[usageKey]money.Decimal{}, fees: map[string]money.Decimal{}, operator: op.ID,
		now: s.db.Now(ctx)}
	orgs := map[string]bool{op.ID: true}
	var arrears []string // subscriptions whose usage is rated, since since
	var since time.Time
	for _, c := range charges {
		orgs[c.PayerOrgID], orgs[c.IssuerOrgID] = true, true
		if c.Kind == ChargeArrears && c.PeriodStart != nil {
			arrears = append(arrears, c.SubscriptionID)
			since = earliest(since, *c.PeriodStart)
		}
		if c.Detail.Carried != nil {
			arrears = append(arrears, c.SubscriptionID)
			since = earliest(since, c.Detail.Carried.Start)
		}
		for _, cl := range c.Detail.Claims {
			if cl.Vendor {
				b.fees[cl.Creditor] = money.Decimal{}
			}
		}
		levels := c.Detail.Levels
		if c.Detail.Carried != nil {
			levels = append(levels, c.Detail.Carried.Levels...)
		}
		for _, lt := range levels {
			if lt.Vendor {
				b.fees[lt.Creditor] = money.Decimal{}
			}
		}
		if c.Detail.IssuerVendor {
			b.fees[c.IssuerOrgID] = money.Decimal{}
		}
	}
	if b.parties, err = s.parties(ctx, sortedKeys(orgs)); err != nil {
		return nil, err
	}
	for v := range b.fees {
		if b.fees[v], err = s.feePercent(ctx, set, v); err != nil {
			return nil, err
		}
	}
	slices.Sort(arrears)
	arrears = slices.Compact(arrears)
	for chunk := range slices.Chunk(arrears, 200) {
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
			b.usage[r.k] = r.q
		}
	}
	return b, nil
}

// earliest is the earlier of a (zero: none yet) and b.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

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
// way). err is an error of loading, for every document.
func (s *Service) buildDocsApart(ctx context.Context, charges []charge) (docs []built, failed []failedDoc, err error) {
	b, err := s.prepare(ctx, charges)
	if err != nil {
		return nil, nil, err
	}
	// The builder only reads what prepare loaded: the documents are built
	// on every core, their ids taken in order first (ids sort as the
	// documents are numbered).
	groups := group(charges)
	out := make([]built, len(groups))
	ok := make([]bool, len(groups))
	for i := range out {
		out[i].inv.ID = ids.New(InvoiceKind)
	}
	workers := min(runtime.GOMAXPROCS(0), 1+len(groups)/50)
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(groups); i += workers {
				out[i], ok[i], errs[i] = b.build(out[i].inv.ID, groups[i])
			}
		}()
	}
	wg.Wait()
	docs = out[:0]
	for i, d := range out {
		if errs[i] != nil {
			failed = append(failed, failedDoc{payer: groups[i][0].PayerOrgID, charges: chargeIDs(groups[i]), err: errs[i]})
			continue
		}
		if ok[i] {
			docs = append(docs, d)
		}
	}
	return docs, failed, nil
}
