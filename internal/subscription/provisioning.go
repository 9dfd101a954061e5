package subscription

import (
	"context"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// ProvisioningInput is the vendor's report on a subscription's service.
type ProvisioningInput struct {
	// Status is deployed, failed, pending (retrying) or undeployed
	// (destroyed); empty keeps the status and updates the details.
	Status       string
	Endpoints    *[]Endpoint
	Instructions *string
	Credentials  *map[string]string
}

// SetProvisioning records the vendor's provisioning callback: the service
// is deployed (with endpoints, instructions and credentials to show the
// customer), failed, retried, or destroyed after undeploy_sent. The
// product's vendor and staff holding product onboarding may call it; the
// move must be one the state machine allows.
func (s *Service) SetProvisioning(ctx context.Context, id string, in ProvisioningInput) (Subscription, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Subscription{}, err
	}
	if err := validate.CheckID("id", SubscriptionKind, id); err != nil {
		return Subscription{}, err
	}
	v := validate.New()
	if in.Status != "" {
		v.OneOf("status", in.Status, ProvDeployed, ProvFailed, ProvPending, ProvUndeployed)
	}
	if in.Endpoints != nil {
		if len(*in.Endpoints) > 20 {
			v.Add("endpoints", "too_many", "at most 20 endpoints")
		}
		for i, e := range *in.Endpoints {
			(*in.Endpoints)[i].Name = v.Name("endpoints["+strconv.Itoa(i)+"].name", e.Name, 80)
			if !strings.HasPrefix(e.URL, "https://") && !strings.HasPrefix(e.URL, "http://") || len(e.URL) > 2000 {
				v.Add("endpoints["+strconv.Itoa(i)+"].url", "invalid_url", "must be an absolute http(s) URL")
			}
		}
	}
	if in.Instructions != nil {
		v.Text("instructions", *in.Instructions, 10000)
	}
	if in.Credentials != nil && len(*in.Credentials) > 20 {
		v.Add("credentials", "too_many", "at most 20 entries")
	}
	if err := v.Err(); err != nil {
		return Subscription{}, err
	}
	var out Subscription
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.visibleSub(ctx, a, id)
		if err != nil {
			return err
		}
		if a.OrgID != sub.VendorOrgID && !(identity.IsStaff(a) && identity.May(a, identity.ProductOnboarding)) {
			return errs.Forbidden("not_vendor", "only the product's vendor reports provisioning")
		}
		before := sub
		if in.Status != "" && in.Status != sub.Provisioning {
			if in.Status == ProvDeployed && (sub.Status == StatusSuspended || ended(sub.Status) && sub.Provisioning != ProvUndeploySent) {
				return errs.FailedPrecondition("invalid_transition", "a "+sub.Status+" subscription is not deployed")
			}
			reason := "reported by the vendor"
			if a.OrgID != sub.VendorOrgID {
				reason = "set by the marketplace staff"
			}
			if err := s.move(ctx, &sub, in.Status, reason); err != nil {
				return err
			}
		}
		if in.Endpoints != nil {
			sub.Endpoints = *in.Endpoints
		}
		if in.Instructions != nil {
			sub.Instructions = *in.Instructions
		}
		if in.Credentials != nil {
			sub.Credentials = *in.Credentials
		}
		if err := s.save(ctx, &sub, false); err != nil {
			return err
		}
		out = s.view(a, sub)
		changes := audit.Diff(map[string]any{"provisioning": before.Provisioning, "endpoints": before.Endpoints, "instructions": before.Instructions},
			map[string]any{"provisioning": sub.Provisioning, "endpoints": sub.Endpoints, "instructions": sub.Instructions})
		if in.Credentials != nil {
			changes["credentials"] = audit.Change{From: "***", To: "***"}
		}
		return s.rec.Record(ctx, "subscription.provisioning", "subscription", sub.ID, sub.CustomerOrgID, changes, "subscription.provisioned", map[string]string{
			"subscription_id": sub.ID, "provisioning": sub.Provisioning})
	})
	return out, err
}
