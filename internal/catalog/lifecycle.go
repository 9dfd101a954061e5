package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// transitions is the product lifecycle as data: from a status, which
// actions lead where.
var transitions = map[string]map[string]string{
	Draft:     {"submit": InReview, "retire": Retired},
	InReview:  {"approve": Published, "reject": Draft, "withdraw": Draft},
	Published: {"retire": Retired},
	Retired:   {},
}

// productEvents names the domain event of each lifecycle action.
var productEvents = map[string]string{
	"submit": "product.submitted", "withdraw": "product.withdrawn", "approve": "product.published",
	"reject": "product.rejected", "retire": "product.retired",
}

// SubmitProduct sends a draft for review. It needs at least one active
// plan, and for a vendor's product an approved vendor.
func (s *Service) SubmitProduct(ctx context.Context, id string) (Product, error) {
	return s.transition(ctx, id, "submit", "", func(ctx context.Context, a actor.Actor, p Product) error {
		if _, err := s.manageableProduct(ctx, a, p.ID); err != nil {
			return err
		}
		var plans int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM plans WHERE product_id = $1 AND status = 'active'`, p.ID).Scan(&plans); err != nil {
			return err
		}
		if plans == 0 {
			return errs.FailedPrecondition("product_has_no_plans", "add at least one plan before submitting")
		}
		if p.Kind == KindProduct {
			ok, err := s.vendorApproved(ctx, p.OwnerOrgID)
			if err != nil {
				return err
			}
			if !ok {
				return errs.FailedPrecondition("vendor_not_approved", "the vendor's onboarding is not approved yet")
			}
		}
		return nil
	})
}

// WithdrawProduct takes a product in review back to draft, by its owner.
func (s *Service) WithdrawProduct(ctx context.Context, id string) (Product, error) {
	return s.transition(ctx, id, "withdraw", "", func(ctx context.Context, a actor.Actor, p Product) error {
		_, err := s.manageableProduct(ctx, a, p.ID)
		return err
	})
}

// ApproveProduct publishes a product in review (staff with the product
// review function). Publishing fixes its plans' prices: later price
// changes make new plan versions.
func (s *Service) ApproveProduct(ctx context.Context, id string) (Product, error) {
	return s.transition(ctx, id, "approve", "", reviewer)
}

// RejectProduct sends a product in review back to draft with a reason the
// owner reads.
func (s *Service) RejectProduct(ctx context.Context, id, reason string) (Product, error) {
	v := validate.New()
	reason = v.Name("reason", reason, 2000)
	if err := v.Err(); err != nil {
		return Product{}, err
	}
	return s.transition(ctx, id, "reject", reason, reviewer)
}

// RetireProduct stops a product's sales: it leaves the catalog; running
// subscriptions are not affected.
func (s *Service) RetireProduct(ctx context.Context, id string) (Product, error) {
	return s.transition(ctx, id, "retire", "", func(ctx context.Context, a actor.Actor, p Product) error {
		_, err := s.manageableProduct(ctx, a, p.ID)
		return err
	})
}

func reviewer(_ context.Context, a actor.Actor, _ Product) error {
	if !identity.May(a, identity.ProductReview) {
		return errs.Forbidden("permission_denied", "reviewing products needs the product review function")
	}
	return nil
}

// transition moves a product along the lifecycle after check allows it.
func (s *Service) transition(ctx context.Context, id, action, reason string,
	check func(context.Context, actor.Actor, Product) error) (Product, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Product{}, err
	}
	if err := validate.CheckID("id", ProductKind, id); err != nil {
		return Product{}, err
	}
	var out Product
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.visibleProduct(ctx, id)
		if err != nil {
			return err
		}
		if err := check(ctx, a, before); err != nil {
			return err
		}
		to, ok := transitions[before.Status][action]
		if !ok {
			return errs.FailedPrecondition("invalid_transition", "a "+strings.ReplaceAll(before.Status, "_", " ")+" product cannot "+action)
		}
		now := s.db.Now(ctx)
		out = before
		out.Status, out.UpdatedAt = to, now
		switch action {
		case "submit":
			out.SubmittedAt, out.ReviewReason = &now, ""
		case "approve", "reject":
			out.ReviewedAt, out.ReviewReason = &now, reason
			if to == Published && out.PublishedAt == nil {
				out.PublishedAt = &now
			}
		}
		if err := s.writeProduct(ctx, out, false); err != nil {
			return err
		}
		if to != Published && before.FeaturedAt != nil {
			// Off sale, off the storefront's featured list.
			out.FeaturedAt = nil
			if _, err := s.db.Exec(ctx, `UPDATE products SET featured_at = NULL WHERE id = $1`, out.ID); err != nil {
				return err
			}
		}
		return s.rec.Record(ctx, "product."+action, "product", out.ID, out.OwnerOrgID, audit.Diff(before, out), productEvents[action], out)
	})
	return out, err
}

// FeatureProduct features a published product on the storefront's home
// page, or stops featuring it. Staff holding the marketplace
// customization function curate the storefront.
func (s *Service) FeatureProduct(ctx context.Context, id string, featured bool) (Product, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Product{}, err
	}
	if !identity.IsStaff(a) || !identity.May(a, identity.MarketplaceCustomization) {
		return Product{}, errs.Forbidden("permission_denied", "featuring products needs the marketplace customization function")
	}
	if err := validate.CheckID("id", ProductKind, id); err != nil {
		return Product{}, errProductNotFound
	}
	var out Product
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.visibleProduct(ctx, id)
		if err != nil {
			return err
		}
		if featured && before.Status != Published {
			return errs.FailedPrecondition("product_not_published", "only a published product is featured")
		}
		out = before
		out.FeaturedAt = nil
		if featured {
			now := s.db.Now(ctx)
			if before.FeaturedAt != nil {
				now = *before.FeaturedAt
			}
			out.FeaturedAt = &now
		}
		if _, err := s.db.Exec(ctx, `UPDATE products SET featured_at = $1 WHERE id = $2`, out.FeaturedAt, out.ID); err != nil {
			return fmt.Errorf("feature product: %w", err)
		}
		return s.rec.Record(ctx, "product.feature", "product", out.ID, out.OwnerOrgID, audit.Diff(before, out), "product.featured", out)
	})
	return out, err
}
