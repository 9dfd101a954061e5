package billing

import (
	"fmt"
	"sort"
	"time"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// claim is what one party owes another for a charge.
type claim struct {
	Debtor   string `json:"debtor"`
	Creditor string `json:"creditor"`
	// Vendor is set when the creditor is a vendor (it pays a platform fee
	// on its licences and usage).
	Vendor bool   `json:"vendor,omitempty"`
	Kind   string `json:"kind"`
	Amount int64  `json:"amount_minor"`
}

// levelTerms are a party's postpaid prices, to rate usage at each level.
type levelTerms struct {
	Debtor    string                 `json:"debtor"`
	Creditor  string                 `json:"creditor"`
	Vendor    bool                   `json:"vendor,omitempty"`
	Component string                 `json:"component,omitempty"`
	Postpaid  []pricing.PostpaidTerm `json:"postpaid"`
}

// parties is the channel of a chain, top-down.
func parties(chain [][]channel.Level) []string {
	if len(chain) == 0 {
		return nil
	}
	out := make([]string, len(chain[0]))
	for i, l := range chain[0] {
		out[i] = l.OrgID
	}
	return out
}

// levelInput is the customer's rating input priced at level j of each
// chain. A coupon stays when its funder is at level j or above it (its
// discount comes out of the funder's price and everyone's below).
func levelInput(in pricing.QuoteInput, chain [][]channel.Level, j int) pricing.QuoteInput {
	out := in
	if len(in.Bundle) > 0 {
		out.Bundle = make([]pricing.BundleComponent, len(in.Bundle))
		for c, comp := range in.Bundle {
			if c < len(chain) && j < len(chain[c]) {
				comp.Prices = chain[c][j].Sells
			}
			out.Bundle[c] = comp
		}
	} else if len(chain) > 0 && j < len(chain[0]) {
		out.Prices = chain[0][j].Sells
	}
	if in.Coupon != nil && len(chain) > 0 {
		funder := len(chain[0]) - 1
		for i, l := range chain[0] {
			if l.OrgID == in.Coupon.FunderOrgID {
				funder = i
			}
		}
		if j < funder {
			out.Coupon = nil
		}
	}
	return out
}

// componentOf maps a line to the chain of its bundle component.
func componentOf(in pricing.QuoteInput, l pricing.QuoteLine) int {
	for c, comp := range in.Bundle {
		if comp.PlanID == l.ComponentPlanID {
			return c
		}
	}
	return 0
}

// levelClaims rates period k at every level of the chain: the party at
// level j+1 owes the party at level j the period at j's prices (a vendor
// is owed licences and extras, never infrastructure).
func levelClaims(in pricing.QuoteInput, chain [][]channel.Level, k int) ([]claim, error) {
	depth := 0
	for _, c := range chain {
		depth = max(depth, len(c))
	}
	var out []claim
	for j := 0; j+1 < depth; j++ {
		lin := levelInput(in, chain, j)
		pq, err := pricing.ComputePeriod(lin, k)
		if err != nil {
			return nil, fmt.Errorf("rate level %d: %w", j, err)
		}
		sums := map[[2]int]map[string]int64{} // (component, ) → kind → amount
		for _, l := range pq.Lines {
			c := componentOf(lin, l)
			if c >= len(chain) || j+1 >= len(chain[c]) {
				continue
			}
			kind := ledgerKind(l.Kind, ChargeAdvance)
			if j == 0 && kind == ledger.KindIaaS {
				continue // the marketplace owner keeps infrastructure
			}
			key := [2]int{c, 0}
			if sums[key] == nil {
				sums[key] = map[string]int64{}
			}
			if sums[key][kind], err = money.AddMinor(sums[key][kind], l.Amount.Minor()); err != nil {
				return nil, fmt.Errorf("rate level %d: %w", j, err)
			}
		}
		for c := range chain {
			for _, kind := range []string{ledger.KindLicence, ledger.KindIaaS} {
				amt := sums[[2]int{c, 0}][kind]
				if amt == 0 {
					continue
				}
				out = append(out, claim{Debtor: chain[c][j+1].OrgID, Creditor: chain[c][j].OrgID,
					Vendor: chain[c][j].OrgKind == string(identity.VendorOrg), Kind: kind, Amount: amt})
			}
		}
	}
	return out, nil
}

// levelPostpaid is every level's usage prices for period k.
func levelPostpaid(in pricing.QuoteInput, chain [][]channel.Level, k int) ([]levelTerms, error) {
	depth := 0
	for _, c := range chain {
		depth = max(depth, len(c))
	}
	var out []levelTerms
	for j := 0; j+1 < depth; j++ {
		lin := levelInput(in, chain, j)
		pq, err := pricing.ComputePeriod(lin, k)
		if err != nil {
			return nil, fmt.Errorf("rate level %d: %w", j, err)
		}
		for c := range chain {
			if j+1 >= len(chain[c]) {
				continue
			}
			lt := levelTerms{Debtor: chain[c][j+1].OrgID, Creditor: chain[c][j].OrgID, Vendor: chain[c][j].OrgKind == string(identity.VendorOrg)}
			if len(in.Bundle) > 0 {
				lt.Component = in.Bundle[c].PlanID
			}
			for _, t := range pq.Postpaid {
				if len(in.Bundle) == 0 || t.ComponentPlanID == lt.Component {
					lt.Postpaid = append(lt.Postpaid, t)
				}
			}
			if len(lt.Postpaid) > 0 {
				out = append(out, lt)
			}
		}
	}
	return out, nil
}

// prorationClaims prorates every level's period charge, old and new, the
// way the customer's was.
func prorationClaims(old, nw subscription.Rated, start, end, at time.Time, cur money.Currency) ([]claim, error) {
	rate := func(r subscription.Rated) (map[[2]string]claim, error) {
		out := map[[2]string]claim{}
		if len(r.Chain) == 0 {
			return out, nil
		}
		for j := 0; j+1 < len(r.Chain[0]); j++ {
			q, err := pricing.Compute(levelInput(r.Rating, r.Chain, j))
			if err != nil {
				return nil, err
			}
			var licence, iaas int64
			var sumErr error
			for _, l := range q.Lines {
				if !l.Recurring {
					continue
				}
				if l.Kind == pricing.LineIaaS {
					iaas = addMinor(iaas, l.Amount.Minor(), &sumErr)
				} else {
					licence = addMinor(licence, l.Amount.Minor(), &sumErr)
				}
			}
			if sumErr != nil {
				return nil, sumErr
			}
			debtor, creditor := r.Chain[0][j+1], r.Chain[0][j]
			for kind, amt := range map[string]int64{ledger.KindLicence: licence, ledger.KindIaaS: iaas} {
				if j == 0 && kind == ledger.KindIaaS {
					continue
				}
				pr, _, _, err := pricing.Prorate(money.NewAmount(amt, cur).Decimal(), start, end, at, cur)
				if err != nil {
					return nil, err
				}
				out[[2]string{debtor.OrgID + "/" + creditor.OrgID, kind}] = claim{Debtor: debtor.OrgID, Creditor: creditor.OrgID,
					Vendor: creditor.OrgKind == string(identity.VendorOrg), Kind: kind, Amount: pr.Minor()}
			}
		}
		return out, nil
	}
	o, err := rate(old)
	if err != nil {
		return nil, err
	}
	n, err := rate(nw)
	if err != nil {
		return nil, err
	}
	for k, c := range o {
		x := n[k]
		if x.Debtor == "" {
			x = c
			x.Amount = 0
		}
		x.Amount -= c.Amount
		n[k] = x
	}
	var out []claim
	for _, c := range n {
		if c.Amount != 0 {
			out = append(out, c)
		}
	}
	sortClaims(out)
	return out, nil
}

// sumClaims adds up the claims of a document by debtor, creditor and
// kind, in a stable order: one journal line pair each. A sum beyond the
// range of an Amount is an error wrapping money.ErrOverflow.
func sumClaims(cs []claim) ([]claim, error) {
	type key struct{ debtor, creditor, kind string }
	at := map[key]int{}
	var out []claim
	var err error
	for _, c := range cs {
		k := key{c.Debtor, c.Creditor, c.Kind}
		if i, ok := at[k]; ok {
			out[i].Amount = addMinor(out[i].Amount, c.Amount, &err)
			continue
		}
		at[k] = len(out)
		out = append(out, c)
	}
	sortClaims(out)
	return out, err
}

func sortClaims(cs []claim) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Debtor != cs[j].Debtor {
			return cs[i].Debtor < cs[j].Debtor
		}
		if cs[i].Creditor != cs[j].Creditor {
			return cs[i].Creditor < cs[j].Creditor
		}
		return cs[i].Kind < cs[j].Kind
	})
}
