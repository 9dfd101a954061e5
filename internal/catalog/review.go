package catalog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// ReviewKind is the id kind of product reviews.
const ReviewKind ids.Kind = "rvw"

// Review statuses: published at once, hidden by staff moderation.
const (
	ReviewPublished = "published"
	ReviewHidden    = "hidden"
)

// Review is a customer's rating and comment of a product: one per customer
// organization and product, written by a user of a customer that holds a
// subscription of the product.
type Review struct {
	ID            string `json:"id"`
	ProductID     string `json:"product_id"`
	CustomerOrgID string `json:"customer_org_id"`
	AuthorName    string `json:"author_name"`
	Rating        int    `json:"rating" doc:"1 to 5 stars."`
	Title         string `json:"title"`
	Body          string `json:"body"`
	Status        string `json:"status" enum:"published,hidden"`
	// ModerationNote says why staff hid the review; shown to staff and to
	// the review's author.
	ModerationNote string    `json:"moderation_note,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	authorUserID   string
}

// ReviewSummary sums up a product's published reviews.
type ReviewSummary struct {
	Count int `json:"count"`
	// Average is the mean rating to one decimal ("4.3"); zero without
	// reviews.
	Average money.Decimal `json:"average"`
	// Stars counts the reviews of each rating: Stars[0] one star ...
	// Stars[4] five stars.
	Stars [5]int `json:"stars"`
}

// ReviewInput writes the caller's review of a product.
type ReviewInput struct {
	Rating int
	Title  string
	Body   string
}

// Holdings tells whether a customer organization holds a subscription of a
// product (trialing, active or suspended). The subscription domain
// implements it.
type Holdings interface {
	HoldsSubscription(ctx context.Context, customerOrgID, productID string) (bool, error)
}

const reviewColumns = `r.id, r.product_id, r.customer_org_id, r.author_user_id, r.author_name, r.rating, r.title, r.body, r.status,
	r.moderation_note, r.created_at, r.updated_at`

func scanReview(sc db.Scanner) (Review, error) {
	var r Review
	err := sc.Scan(&r.ID, &r.ProductID, &r.CustomerOrgID, &r.authorUserID, &r.AuthorName, &r.Rating, &r.Title, &r.Body, &r.Status,
		&r.ModerationNote, &r.CreatedAt, &r.UpdatedAt)
	return r, err
}

var errReviewNotFound = errs.NotFound("review_not_found", "no such review")

// SubmitReview writes the caller's organization's review of a published
// product, replacing the one it wrote before (a hidden review stays
// hidden). Only users of a customer organization holding a subscription of
// the product may review it.
func (s *Service) SubmitReview(ctx context.Context, productID string, in ReviewInput) (Review, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Review{}, err
	}
	if a.Kind != actor.KindUser || identity.OrgKind(a.OrgKind) != identity.CustomerOrg {
		return Review{}, errs.Forbidden("review_not_allowed", "only customers review products")
	}
	p, err := s.GetProduct(ctx, productID)
	if err != nil {
		return Review{}, err
	}
	if p.Status != Published {
		return Review{}, errProductNotFound
	}
	v := validate.New()
	if in.Rating < 1 || in.Rating > 5 {
		v.Add("rating", "out_of_range", "must be 1 to 5 stars")
	}
	title, body := strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	v.Text("title", title, 120)
	v.Text("body", body, 4000)
	if err := v.Err(); err != nil {
		return Review{}, err
	}
	if s.holdings == nil {
		return Review{}, errs.Forbidden("no_subscription", "only customers holding a subscription of this product may review it")
	}
	holds, err := s.holdings.HoldsSubscription(ctx, a.OrgID, p.ID)
	if err != nil {
		return Review{}, err
	}
	if !holds {
		return Review{}, errs.Forbidden("no_subscription", "only customers holding a subscription of this product may review it")
	}
	u, err := s.identity.GetUser(ctx, a.UserID)
	if err != nil {
		return Review{}, err
	}
	var out Review
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.db.Now(ctx)
		before, found, err := s.reviewOf(ctx, p.ID, a.OrgID)
		if err != nil {
			return err
		}
		r := Review{ID: ids.New(ReviewKind), ProductID: p.ID, CustomerOrgID: a.OrgID, AuthorName: u.Name, Rating: in.Rating, Title: title,
			Body: body, Status: ReviewPublished, CreatedAt: now, UpdatedAt: now, authorUserID: u.ID}
		if found {
			r.ID, r.Status, r.ModerationNote, r.CreatedAt = before.ID, before.Status, before.ModerationNote, before.CreatedAt
			_, err = s.db.Exec(ctx, `UPDATE product_reviews SET author_user_id = $1, author_name = $2, rating = $3, title = $4, body = $5,
				updated_at = $6 WHERE id = $7`, r.authorUserID, r.AuthorName, r.Rating, r.Title, r.Body, now, r.ID)
		} else {
			_, err = s.db.Exec(ctx, `INSERT INTO product_reviews (id, product_id, customer_org_id, author_user_id, author_name, rating, title,
				body, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
				r.ID, r.ProductID, r.CustomerOrgID, r.authorUserID, r.AuthorName, r.Rating, r.Title, r.Body, r.Status, now)
		}
		if err != nil {
			return fmt.Errorf("write review: %w", err)
		}
		var old any
		if found {
			old = before
		}
		out = r
		return s.rec.Record(ctx, "review.submit", "review", r.ID, a.OrgID, audit.Diff(old, r), "review.submitted", r)
	})
	return out, err
}

// reviewOf reads an organization's review of a product.
func (s *Service) reviewOf(ctx context.Context, productID, orgID string) (Review, bool, error) {
	r, err := scanReview(s.db.QueryRow(ctx, `SELECT `+reviewColumns+` FROM product_reviews r WHERE r.product_id = $1 AND r.customer_org_id = $2`,
		productID, orgID))
	if errors.Is(err, db.ErrNoRows) {
		return Review{}, false, nil
	}
	if err != nil {
		return Review{}, false, fmt.Errorf("read review: %w", err)
	}
	return r, true, nil
}

// MyReview returns the caller's organization's review of a product, if it
// wrote one (with its moderation note when hidden).
func (s *Service) MyReview(ctx context.Context, productID string) (Review, bool, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return Review{}, false, err
	}
	p, err := s.GetProduct(ctx, productID)
	if err != nil {
		return Review{}, false, err
	}
	return s.reviewOf(ctx, p.ID, a.OrgID)
}

// ListReviews lists a visible product's reviews, newest first: the
// published ones, and to staff the hidden ones too (with their notes).
func (s *Service) ListReviews(ctx context.Context, productID string, p page.Request) ([]Review, string, error) {
	prod, err := s.GetProduct(ctx, productID)
	if err != nil {
		return nil, "", err
	}
	a := actor.From(ctx)
	q := db.NewQuery(`SELECT ` + reviewColumns + ` FROM product_reviews r WHERE r.product_id = `)
	q.Add(q.Arg(prod.ID))
	if !identity.IsStaff(a) {
		q.Add(" AND r.status = " + q.Arg(ReviewPublished))
	}
	rows, next, err := page.List(ctx, s.db, q, "r.id", page.Descending, p, scanReview, func(r Review) string { return r.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list reviews: %w", err)
	}
	if !identity.IsStaff(a) {
		for i := range rows {
			rows[i].ModerationNote = ""
		}
	}
	return rows, next, nil
}

// SummarizeReviews counts a visible product's published reviews by rating
// and averages them.
func (s *Service) SummarizeReviews(ctx context.Context, productID string) (ReviewSummary, error) {
	prod, err := s.GetProduct(ctx, productID)
	if err != nil {
		return ReviewSummary{}, err
	}
	type row struct{ rating, n int }
	rows, err := db.Select(ctx, s.db, func(sc db.Scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.rating, &r.n)
	}, `SELECT rating, count(*) FROM product_reviews WHERE product_id = $1 AND status = $2 GROUP BY rating`, prod.ID, ReviewPublished)
	if err != nil {
		return ReviewSummary{}, fmt.Errorf("summarize reviews: %w", err)
	}
	var sum ReviewSummary
	total := 0
	for _, r := range rows {
		sum.Stars[r.rating-1] = r.n
		sum.Count += r.n
		total += r.rating * r.n
	}
	if sum.Count > 0 {
		tenths := (total*10*2 + sum.Count) / (sum.Count * 2) // rounded half up
		sum.Average, err = money.ParseDecimal(strconv.Itoa(tenths/10) + "." + strconv.Itoa(tenths%10))
		if err != nil {
			return ReviewSummary{}, err
		}
	}
	return sum, nil
}

// ModerateReview hides a review (with a note saying why) or publishes it
// again. It needs the product review function.
func (s *Service) ModerateReview(ctx context.Context, id string, hide bool, note string) (Review, error) {
	a, err := identity.Writer(ctx)
	if err != nil {
		return Review{}, err
	}
	if !identity.May(a, identity.ProductReview) {
		return Review{}, errs.Forbidden("permission_denied", "moderating reviews needs the product review function")
	}
	if err := validate.CheckID("id", ReviewKind, id); err != nil {
		return Review{}, errReviewNotFound
	}
	v := validate.New()
	note = strings.TrimSpace(note)
	if hide {
		v.Name("note", note, 500)
	} else {
		note = ""
	}
	if err := v.Err(); err != nil {
		return Review{}, err
	}
	var out Review
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := scanReview(s.db.QueryRow(ctx, `SELECT `+reviewColumns+` FROM product_reviews r WHERE r.id = $1`, id))
		if errors.Is(err, db.ErrNoRows) {
			return errReviewNotFound
		}
		if err != nil {
			return err
		}
		r := before
		r.Status, r.ModerationNote, r.UpdatedAt = ReviewPublished, note, s.db.Now(ctx)
		if hide {
			r.Status = ReviewHidden
		}
		if _, err := s.db.Exec(ctx, `UPDATE product_reviews SET status = $1, moderation_note = $2, moderated_by = $3, updated_at = $4 WHERE id = $5`,
			r.Status, r.ModerationNote, a.UserID, r.UpdatedAt, r.ID); err != nil {
			return fmt.Errorf("moderate review: %w", err)
		}
		out = r
		return s.rec.Record(ctx, "review.moderate", "review", r.ID, r.CustomerOrgID, audit.Diff(before, r), "review.moderated", r)
	})
	return out, err
}

// ReviewFilter narrows the moderation list.
type ReviewFilter struct {
	// Status is published or hidden; empty lists both.
	Status string
}

// QueuedReview is a review in the moderation list, with its product's name.
type QueuedReview struct {
	Review
	ProductName string `json:"product_name"`
}

// ModerationQueue lists every product's reviews for staff moderation,
// newest first. It needs the product review function.
func (s *Service) ModerationQueue(ctx context.Context, f ReviewFilter, p page.Request) ([]QueuedReview, string, error) {
	a, err := identity.Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if !identity.May(a, identity.ProductReview) {
		return nil, "", errs.Forbidden("permission_denied", "moderating reviews needs the product review function")
	}
	v := validate.New()
	if f.Status != "" {
		v.OneOf("status", f.Status, ReviewPublished, ReviewHidden)
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	q := db.NewQuery(`SELECT ` + reviewColumns + `, p.name FROM product_reviews r JOIN products p ON p.id = r.product_id WHERE 1 = 1`)
	if f.Status != "" {
		q.Add(" AND r.status = " + q.Arg(f.Status))
	}
	scan := func(sc db.Scanner) (QueuedReview, error) {
		var r QueuedReview
		err := sc.Scan(&r.ID, &r.ProductID, &r.CustomerOrgID, &r.authorUserID, &r.AuthorName, &r.Rating, &r.Title, &r.Body, &r.Status,
			&r.ModerationNote, &r.CreatedAt, &r.UpdatedAt, &r.ProductName)
		return r, err
	}
	rows, next, err := page.List(ctx, s.db, q, "r.id", page.Descending, p, scan, func(r QueuedReview) string { return r.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list reviews: %w", err)
	}
	return rows, next, nil
}
