package web

import (
	"net/http"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// vendorProvCount is how many subscriptions are in one provisioning status.
type vendorProvCount struct {
	Status string
	Label  string
	Count  int
}

// vendorHomeData is the vendor overview's content.
type vendorHomeData struct {
	ToApprove int
	Prov      []vendorProvCount
	Subs      int
	// Capped is set when there were more subscriptions than were counted.
	Capped bool
	Month  string
	Due    []billing.BalanceLine
}

// vendorHome is the vendor's overview.
func (h *handler) vendorHome(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, org := r.Context(), orgOf(r)
	d := vendorHomeData{Month: panelNow(r).Format("2006-01")}
	pending, err := h.panelOrdersToReview(ctx, panelScopeOf(r))
	if err != nil {
		return err
	}
	d.ToApprove = len(pending)
	counts := map[string]int{}
	if d.Capped, err = h.panelEachSub(ctx, org, subscription.SubscriptionFilter{}, func(s subscription.Subscription) {
		counts[s.Provisioning]++
		d.Subs++
	}); err != nil {
		return err
	}
	for _, s := range subscription.ProvisioningStates {
		d.Prov = append(d.Prov, vendorProvCount{Status: s, Label: nameOf(provisioningStatuses, s).Label, Count: counts[s]})
	}
	rep, err := h.bill.VendorBalance(ctx, org, d.Month)
	if err != nil {
		return err
	}
	d.Due = rep.Lines
	v.Title = "Vendor panel"
	v.Data = d
	return h.render(w, r, v, "vendor_home")
}
