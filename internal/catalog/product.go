package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/memo"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// Id kinds of the catalog.
const (
	ProductKind ids.Kind = "prd"
	PlanKind    ids.Kind = "pln"
	ExtraKind   ids.Kind = "xtr"
	MetricKind  ids.Kind = "mtr"
	CouponKind  ids.Kind = "cpn"
	RedeemKind  ids.Kind = "rdm"
)

// Product kinds.
const (
	KindProduct = "product"
	KindBundle  = "bundle"
)

// Product lifecycle statuses.
const (
	Draft     = "draft"
	InReview  = "in_review"
	Published = "published"
	Retired   = "retired"
)

// Provisioning modes: who sets a subscription up.
const (
	ProvisionSyndicated = "syndicated" // the vendor, driven by the platform's events
	ProvisionManual     = "manual"     // the vendor, by hand
	ProvisionNone       = "none"       // nothing to provision
)

// FAQEntry is one question of a product's FAQ.
type FAQEntry struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Product is something for sale: a vendor's product or a bundle of
// products. Its plans carry the prices.
type Product struct {
	ID               string     `json:"id"`
	Kind             string     `json:"kind"`
	OwnerOrgID       string     `json:"owner_org_id"`
	Slug             string     `json:"slug"`
	Name             string     `json:"name"`
	Summary          string     `json:"summary"`
	Description      string     `json:"description"`
	Category         string     `json:"category"`
	Tags             []string   `json:"tags"`
	LogoURL          string     `json:"logo_url"`
	Screenshots      []string   `json:"screenshots"`
	Features         []string   `json:"features"`
	FAQ              []FAQEntry `json:"faq"`
	TermsURL         string     `json:"terms_url"`
	PrivacyURL       string     `json:"privacy_url"`
	ProvisioningMode string     `json:"provisioning_mode"`
	RequiresApproval bool       `json:"requires_approval"`
	SelfBilled       bool       `json:"self_billed"`
	// TaxCategory selects the product's tax rate in each country
	// ("standard" unless the operator configured another).
	TaxCategory  string     `json:"tax_category"`
	Status       string     `json:"status"`
	ReviewReason string     `json:"review_reason,omitempty"`
	SubmittedAt  *time.Time `json:"submitted_at,omitempty"`
	ReviewedAt   *time.Time `json:"reviewed_at,omitempty"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`
	// FeaturedAt is when staff featured the product on the storefront's
	// home page; nil when it is not featured.
	FeaturedAt *time.Time `json:"featured_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

const productColumns = `p.id, p.kind, p.owner_org_id, p.slug, p.name, p.summary, p.description, p.category, p.tags, p.logo_url,
	p.screenshots, p.features, p.faq, p.terms_url, p.privacy_url, p.provisioning_mode, p.requires_approval, p.self_billed,
	p.status, p.review_reason, p.submitted_at, p.reviewed_at, p.published_at, p.created_at, p.updated_at, p.tax_category, p.featured_at`

func scanProduct(s db.Scanner) (Product, error) {
	var p Product
	var tags, shots, features, faq string
	err := s.Scan(&p.ID, &p.Kind, &p.OwnerOrgID, &p.Slug, &p.Name, &p.Summary, &p.Description, &p.Category, &tags, &p.LogoURL,
		&shots, &features, &faq, &p.TermsURL, &p.PrivacyURL, &p.ProvisioningMode, &p.RequiresApproval, &p.SelfBilled,
		&p.Status, &p.ReviewReason, &p.SubmittedAt, &p.ReviewedAt, &p.PublishedAt, &p.CreatedAt, &p.UpdatedAt, &p.TaxCategory, &p.FeaturedAt)
	if err != nil {
		return p, err
	}
	for _, f := range []struct {
		raw string
		dst any
	}{{tags, &p.Tags}, {shots, &p.Screenshots}, {features, &p.Features}, {faq, &p.FAQ}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return p, fmt.Errorf("product %s: %w", p.ID, err)
		}
	}
	return p, nil
}

var errProductNotFound = errs.NotFound("product_not_found", "no such product")

// ProductInput holds a product's editable fields. On update, nil fields
// are left alone.
type ProductInput struct {
	Name             *string
	Summary          *string
	Description      *string
	Category         *string
	Tags             *[]string
	LogoURL          *string
	Screenshots      *[]string
	Features         *[]string
	FAQ              *[]FAQEntry
	TermsURL         *string
	PrivacyURL       *string
	ProvisioningMode *string
	RequiresApproval *bool
	SelfBilled       *bool
	TaxCategory      *string
}

// CreateProductInput creates a product (or a bundle).
type CreateProductInput struct {
	ProductInput
	// Kind is KindProduct (default) or KindBundle.
	Kind string
	// OwnerOrgID defaults to the caller's organization; staff name the
	// vendor they create the product for.
	OwnerOrgID string
}

// apply validates in and applies it to p.
func (in ProductInput) apply(v *validate.Collector, p *Product) {
	if in.Name != nil {
		p.Name = v.Name("name", *in.Name, 120)
	}
	text := func(field string, src *string, dst *string, max int) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
			v.Text(field, *dst, max)
		}
	}
	text("summary", in.Summary, &p.Summary, 300)
	text("description", in.Description, &p.Description, 20000)
	text("category", in.Category, &p.Category, 60)
	for _, u := range []struct {
		field    string
		src, dst *string
	}{{"logo_url", in.LogoURL, &p.LogoURL}, {"terms_url", in.TermsURL, &p.TermsURL}, {"privacy_url", in.PrivacyURL, &p.PrivacyURL}} {
		if u.src != nil {
			*u.dst = strings.TrimSpace(*u.src)
			checkURL(v, u.field, *u.dst)
		}
	}
	list := func(field string, src *[]string, dst *[]string, maxItems, maxLen int, isURL bool) {
		if src == nil {
			return
		}
		if len(*src) > maxItems {
			v.Add(field, "too_many", fmt.Sprintf("at most %d items", maxItems))
			return
		}
		out := make([]string, 0, len(*src))
		for i, s := range *src {
			s = strings.TrimSpace(s)
			f := fmt.Sprintf("%s[%d]", field, i)
			if isURL {
				checkURL(v, f, s)
			} else {
				v.Name(f, s, maxLen)
			}
			out = append(out, s)
		}
		*dst = out
	}
	list("tags", in.Tags, &p.Tags, 20, 40, false)
	list("screenshots", in.Screenshots, &p.Screenshots, 12, 0, true)
	list("features", in.Features, &p.Features, 40, 300, false)
	if in.FAQ != nil {
		if len(*in.FAQ) > 50 {
			v.Add("faq", "too_many", "at most 50 questions")
		} else {
			p.FAQ = make([]FAQEntry, len(*in.FAQ))
			for i, q := range *in.FAQ {
				p.FAQ[i] = FAQEntry{Question: v.Name(fmt.Sprintf("faq[%d].question", i), q.Question, 300),
					Answer: v.Name(fmt.Sprintf("faq[%d].answer", i), q.Answer, 5000)}
			}
		}
	}
	if in.ProvisioningMode != nil {
		v.OneOf("provisioning_mode", *in.ProvisioningMode, ProvisionSyndicated, ProvisionManual, ProvisionNone)
		p.ProvisioningMode = *in.ProvisioningMode
	}
	if in.RequiresApproval != nil {
		p.RequiresApproval = *in.RequiresApproval
	}
	if in.SelfBilled != nil {
		p.SelfBilled = *in.SelfBilled
	}
	if in.TaxCategory != nil {
		p.TaxCategory = strings.ToLower(strings.TrimSpace(*in.TaxCategory))
		if !ValidTaxCategory(p.TaxCategory) {
			v.Add("tax_category", "invalid_format", "1 to 40 lower-case letters, digits and underscores")
		}
	}
	for i, t := range p.Tags {
		p.Tags[i] = strings.ToLower(t)
	}
}

// checkURL checks an optional absolute http(s) URL.
func checkURL(v *validate.Collector, field, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2000 {
		v.Add(field, "invalid_url", "must be an absolute http(s) URL")
	}
}

// CreateProduct creates a draft product owned by a vendor (or a draft
// bundle owned by the caller's organization).
func (s *Service) CreateProduct(ctx context.Context, in CreateProductInput) (Product, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Product{}, err
	}
	if in.Kind == "" {
		in.Kind = KindProduct
	}
	v := validate.New()
	v.OneOf("kind", in.Kind, KindProduct, KindBundle)
	if in.Name == nil {
		v.Add("name", "required", "is required")
	}
	p := Product{Kind: in.Kind, TaxCategory: DefaultTaxCategory, Tags: []string{}, Screenshots: []string{}, Features: []string{}, FAQ: []FAQEntry{},
		ProvisioningMode: ProvisionSyndicated, Status: Draft}
	if in.Kind == KindBundle {
		p.ProvisioningMode = ProvisionNone // each component provisions itself
	}
	in.ProductInput.apply(v, &p)
	if in.OwnerOrgID != "" {
		v.ID("owner_org_id", ids.Organization, in.OwnerOrgID)
	}
	if err := v.Err(); err != nil {
		return Product{}, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		owner, err := s.productOwner(ctx, a, in.Kind, in.OwnerOrgID)
		if err != nil {
			return err
		}
		now := s.db.Now(ctx)
		p.ID, p.OwnerOrgID, p.CreatedAt, p.UpdatedAt = ids.New(ProductKind), owner, now, now
		if p.Slug, err = s.freeSlug(ctx, p.Name, ""); err != nil {
			return err
		}
		if err := s.writeProduct(ctx, p, true); err != nil {
			return err
		}
		return s.rec.Created(ctx, "product.create", "product", p.ID, p.OwnerOrgID, p, "product.created")
	})
	return p, err
}

// productOwner decides who owns a new product: a vendor's products are its
// own; staff create products for a vendor they name; bundles belong to the
// caller's organization (a vendor, a distributor, a reseller or, for
// staff, the operator).
func (s *Service) productOwner(ctx context.Context, a actor.Actor, kind, requested string) (string, error) {
	fn := identity.ProductOnboarding
	if kind == KindBundle {
		fn = identity.BundleManagement
	}
	if !identity.May(a, fn) {
		return "", errs.Forbidden("permission_denied", fmt.Sprintf("creating a %s needs the %s function", kind, fn))
	}
	owner := requested
	if owner == "" || !identity.IsStaff(a) {
		if requested != "" && requested != a.OrgID {
			return "", errs.Forbidden("permission_denied", "you create products for your own organization only")
		}
		owner = a.OrgID
	}
	org, found, err := s.identity.Org(ctx, owner)
	if err != nil {
		return "", err
	}
	if !found || org.Status != identity.StatusActive {
		return "", errs.Invalid("validation_failed", "owner_org_id: no such organization", errs.Field("owner_org_id", "not_found", "no such organization"))
	}
	if kind == KindProduct && org.Kind != identity.VendorOrg {
		return "", errs.Invalid("validation_failed", "owner_org_id: products belong to a vendor",
			errs.Field("owner_org_id", "not_a_vendor", "products belong to a vendor organization"))
	}
	return owner, nil
}

func (s *Service) writeProduct(ctx context.Context, p Product, insert bool) error {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	args := []any{p.ID, p.Kind, p.OwnerOrgID, p.Slug, p.Name, p.Summary, p.Description, p.Category, js(p.Tags), p.LogoURL,
		js(p.Screenshots), js(p.Features), js(p.FAQ), p.TermsURL, p.PrivacyURL, p.ProvisioningMode, p.RequiresApproval, p.SelfBilled,
		p.Status, p.ReviewReason, p.SubmittedAt, p.ReviewedAt, p.PublishedAt, p.CreatedAt, p.UpdatedAt, p.TaxCategory}
	var err error
	if insert {
		_, err = s.db.Exec(ctx, `INSERT INTO products (id, kind, owner_org_id, slug, name, summary, description, category, tags, logo_url,
			screenshots, features, faq, terms_url, privacy_url, provisioning_mode, requires_approval, self_billed,
			status, review_reason, submitted_at, reviewed_at, published_at, created_at, updated_at, tax_category)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`, args...)
	} else {
		_, err = s.db.Exec(ctx, `UPDATE products SET kind = $2, owner_org_id = $3, slug = $4, name = $5, summary = $6, description = $7,
			category = $8, tags = $9, logo_url = $10, screenshots = $11, features = $12, faq = $13, terms_url = $14, privacy_url = $15,
			provisioning_mode = $16, requires_approval = $17, self_billed = $18, status = $19, review_reason = $20, submitted_at = $21,
			reviewed_at = $22, published_at = $23, created_at = $24, updated_at = $25, tax_category = $26 WHERE id = $1`, args...)
	}
	if err != nil {
		return fmt.Errorf("write product: %w", err)
	}
	// Tags are also rows of their own, for filtering on both engines.
	if _, err := s.db.Exec(ctx, `DELETE FROM product_tags WHERE product_id = $1`, p.ID); err != nil {
		return fmt.Errorf("write product tags: %w", err)
	}
	for _, t := range p.Tags {
		if _, err := s.db.Exec(ctx, `INSERT INTO product_tags (product_id, tag) VALUES ($1, $2) ON CONFLICT (product_id, tag) DO NOTHING`, p.ID, t); err != nil {
			return fmt.Errorf("write product tags: %w", err)
		}
	}
	return nil
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes a URL slug from a name: lower-case ASCII letters and digits
// joined by dashes, accents dropped.
func slugify(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		if unicode.Is(unicode.Mn, r) {
			continue // a combining accent
		}
		b.WriteRune(r)
	}
	s := strings.Trim(slugRE.ReplaceAllString(b.String(), "-"), "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	if s == "" {
		s = "product"
	}
	return s
}

// freeSlug returns the slug of name, suffixed -2, -3... until unused by a
// product other than self.
func (s *Service) freeSlug(ctx context.Context, name, self string) (string, error) {
	base := slugify(name)
	for i := 1; i < 1000; i++ {
		slug := base
		if i > 1 {
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		var id string
		err := s.db.QueryRow(ctx, `SELECT id FROM products WHERE slug = $1`, slug).Scan(&id)
		if errors.Is(err, db.ErrNoRows) || id == self {
			return slug, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", errs.Conflict("slug_taken", "too many products share this name")
}

// visibleProduct loads a product the caller may see: published ones are
// public; others only for the owner and staff. idOrSlug may be either.
func (s *Service) visibleProduct(ctx context.Context, idOrSlug string) (Product, error) {
	col := "p.slug"
	if ids.KindOf(idOrSlug) == ProductKind {
		col = "p.id"
	}
	p, err := db.Get(ctx, s.db, scanProduct, `SELECT `+productColumns+` FROM products p WHERE `+col+` = $1`, idOrSlug)
	if errors.Is(err, db.ErrNoRows) {
		return p, errProductNotFound
	}
	if err != nil {
		return p, err
	}
	if p.Status != Published && !canSeeUnpublished(actor.From(ctx), p) {
		return Product{}, errProductNotFound
	}
	return p, nil
}

func canSeeUnpublished(a actor.Actor, p Product) bool {
	return identity.IsStaff(a) || (a.OrgID != "" && a.OrgID == p.OwnerOrgID)
}

// GetProduct returns a product by id or slug.
func (s *Service) GetProduct(ctx context.Context, idOrSlug string) (Product, error) {
	return memo.Get(ctx, systemKey(ctx, "catalog.product:"+idOrSlug), func() (Product, error) { return s.getProduct(ctx, idOrSlug) })
}

// getProduct reads what GetProduct answers.
// The name that calls it remembers the answer within a memo scope.
func (s *Service) getProduct(ctx context.Context, idOrSlug string) (Product, error) {
	if strings.TrimSpace(idOrSlug) == "" || len(idOrSlug) > 100 {
		return Product{}, errProductNotFound
	}
	return s.visibleProduct(ctx, idOrSlug)
}

// manageableProduct loads a product for a change by its owner (holding the
// onboarding or bundle function) or by staff holding product onboarding.
func (s *Service) manageableProduct(ctx context.Context, a actor.Actor, id string) (Product, error) {
	if err := validate.CheckID("id", ProductKind, id); err != nil {
		return Product{}, err
	}
	p, err := db.Get(ctx, s.db, scanProduct, `SELECT `+productColumns+` FROM products p WHERE p.id = $1`+s.db.Dialect().ForUpdate(), id)
	if errors.Is(err, db.ErrNoRows) {
		return p, errProductNotFound
	}
	if err != nil {
		return p, err
	}
	if p.Status != Published && !canSeeUnpublished(a, p) {
		return Product{}, errProductNotFound
	}
	fn := identity.ProductOnboarding
	if p.Kind == KindBundle {
		fn = identity.BundleManagement
	}
	switch {
	case a.Kind == actor.KindSystem:
	case identity.IsStaff(a) && identity.May(a, identity.ProductOnboarding):
	case a.OrgID == p.OwnerOrgID && identity.May(a, fn):
	default:
		return p, errs.Forbidden("permission_denied", "you may not change this product")
	}
	return p, nil
}

// UpdateProduct changes a product's marketing data. Published products
// change at once; prices live in plans, which version themselves.
func (s *Service) UpdateProduct(ctx context.Context, id string, in ProductInput) (Product, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Product{}, err
	}
	var out Product
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.manageableProduct(ctx, a, id)
		if err != nil {
			return err
		}
		if before.Status == Retired {
			return errs.FailedPrecondition("product_retired", "a retired product cannot change")
		}
		out = before
		v := validate.New()
		in.apply(v, &out)
		if err := v.Err(); err != nil {
			return err
		}
		changes := audit.Diff(before, out)
		if len(changes) == 0 {
			return nil
		}
		if out.Name != before.Name && before.PublishedAt == nil {
			// Slugs follow the name until the product is first published;
			// after that its links stay stable.
			if out.Slug, err = s.freeSlug(ctx, out.Name, out.ID); err != nil {
				return err
			}
		}
		out.UpdatedAt = s.db.Now(ctx)
		if err := s.writeProduct(ctx, out, false); err != nil {
			return err
		}
		return s.rec.Record(ctx, "product.update", "product", out.ID, out.OwnerOrgID, changes, "product.updated", out)
	})
	return out, err
}

// DefaultTaxCategory is the tax category of a product that names none.
const DefaultTaxCategory = "standard"

// ValidTaxCategory reports whether c is a tax category name: 1 to 40
// lower-case ASCII letters, digits and underscores.
func ValidTaxCategory(c string) bool {
	if c == "" || len(c) > 40 {
		return false
	}
	for _, r := range c {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}
