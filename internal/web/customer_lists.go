package web

import (
	"context"
	"net/url"

	"github.com/nephele-cloud/nephele/internal/catalog"
)

// customerItem names what a subscription or order is of.
type customerItem struct {
	ProductID string
	PlanID    string
	Product   string
	Plan      string
	plan      catalog.Plan
}

// item names product and plan ids; what the viewer may no longer see is
// shown by a placeholder.
func (n *lookups) item(ctx context.Context, productID, planID string) (customerItem, error) {
	it := customerItem{ProductID: productID, PlanID: planID, Product: "Product no longer listed", Plan: ""}
	p, err := n.product(ctx, productID)
	if err != nil {
		return it, err
	}
	if p.Name != "" {
		it.Product = p.Name
	}
	pl, err := n.plan(ctx, planID)
	if err != nil {
		return it, err
	}
	it.Plan, it.plan = pl.Name, pl
	return it, nil
}

// customerBadge is a status shown as a coloured label.
type customerBadge struct {
	Label string
	// Tone is ok, warn, danger, muted or "" (neutral).
	Tone string
}

// Class is the badge's CSS classes.
func (b customerBadge) Class() string {
	switch b.Tone {
	case "ok":
		return "badge badge-ok"
	case "muted":
		return "badge badge-muted"
	case "warn":
		return "badge cust-badge-warn"
	case "danger":
		return "badge cust-badge-danger"
	}
	return "badge"
}

// customerFilter is one choice of a list filter.
type customerFilter struct {
	Value    string
	Label    string
	Selected bool
}

// customerFilters lists choices with the current one selected.
func customerFilters(current string, choices ...[2]string) []customerFilter {
	out := make([]customerFilter, len(choices))
	for i, c := range choices {
		out[i] = customerFilter{Value: c[0], Label: c[1], Selected: c[0] == current}
	}
	return out
}

// customerList is a filtered, paged list of the dashboard.
type customerList[T any] struct {
	Rows    []T
	Filters []customerFilter
	Status  string
	// Filtered is set when a filter narrows the list.
	Filtered bool
	Next     string
	First    string
}

// customerPageLinks fills the paging links of a list at path.
func customerPageLinks(path string, q url.Values, next string) (string, string) {
	return pageLinks(path, q, q.Get("cursor"), next)
}
