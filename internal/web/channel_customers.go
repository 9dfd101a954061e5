package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// channelCustomerRow is one line of the customers list.
type channelCustomerRow struct {
	Org identity.Organization
	// Parent is the reseller a distributor's customer belongs to ("" when
	// it is the party's own).
	Parent string
}

// channelCustomersData is the customers page.
type channelCustomersData struct {
	Tabs []channelTab
	listData[channelCustomerRow]
	CanPush bool
}

// channelCustomersPage lists the party's customers (a distributor's
// include its resellers'), with the form to create one.
func (h *handler) channelCustomersPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	q := r.URL.Query()
	query, cursor := strings.TrimSpace(q.Get("q")), q.Get("cursor")
	list, next, err := h.id.ListOrganizations(ctx, identity.OrganizationFilter{Kind: identity.CustomerOrg, Query: query,
		Page: page.Request{Cursor: cursor}})
	if err != nil {
		return err
	}
	orgs := orgCache{id: h.id}
	d := channelCustomersData{Tabs: channelTabs(r), CanPush: may(r, identity.OrderPlacement)}
	d.Query = query
	for _, o := range list {
		row := channelCustomerRow{Org: o}
		if o.ParentID != orgOf(r) {
			p, err := orgs.get(ctx, o.ParentID)
			if err != nil {
				return err
			}
			row.Parent = p.Name
		}
		d.Rows = append(d.Rows, row)
	}
	d.Next, d.First = pageLinks("/channel/customers", q, cursor, next)
	v.Title = "Customers"
	v.Data = d
	return h.render(w, r, v, channelPanel)
}

// channelCreateCustomer creates a customer organization under the party.
func (h *handler) channelCreateCustomer(w http.ResponseWriter, r *http.Request, v *view) error {
	f := r.PostForm
	o, err := h.id.CreateOrganization(r.Context(), identity.CreateOrganizationInput{Kind: identity.CustomerOrg, Name: f.Get("name"),
		Email: f.Get("email"), Country: strings.ToUpper(strings.TrimSpace(f.Get("country"))), TaxID: f.Get("tax_id"), Address: f.Get("address")})
	if err != nil {
		return h.formFailed(w, r, v, "customer", err, "/channel/customers", h.channelCustomersPage)
	}
	return h.done(w, r, "/channel/customers/"+o.ID, fmt.Sprintf("The customer “%s” was created.", o.Name))
}

// channelCustomer loads a customer organization the party may see; any
// other organization is not found.
func (h *handler) channelCustomer(ctx context.Context, id string) (identity.Organization, error) {
	o, err := h.id.GetOrganization(ctx, id)
	if err != nil {
		return o, err
	}
	if o.Kind != identity.CustomerOrg {
		return o, errs.NotFound("organization_not_found", "no such organization")
	}
	return o, nil
}

// channelPlanName names a plan as "Product — Plan"; one the viewer cannot
// read, by its id.
func channelPlanName(ctx context.Context, l *lookups, productID, planID string) string {
	p := l.productName(ctx, productID)
	if p == "" {
		return planID
	}
	if pl := l.planName(ctx, planID); pl != "" {
		p += " — " + pl
	}
	return p
}

// channelOrderRow is an order with the names people read.
type channelOrderRow struct {
	Order    subscription.Order
	Plan     string
	Customer string
}

// Type is the order's type in words.
func (o channelOrderRow) Type() string { return channelWords(o.Order.Type) }

// channelSubRow is a subscription with its plan's name.
type channelSubRow struct {
	Sub  subscription.Subscription
	Plan string
}

// Status is the subscription's status in words.
func (s channelSubRow) Status() string { return nameOf(subscriptionStatuses, s.Sub.Status).Label }

// channelCustomerData is a customer's page.
type channelCustomerData struct {
	Tabs     []channelTab
	Customer identity.Organization
	// Catalog is the price catalog the customer buys from, when the party
	// may see it; Assignable the party's catalogs it may assign instead.
	Catalog *channel.PriceCatalog
	Default bool
	// AssignedID is the catalog assigned to the customer, "" for the
	// default one.
	AssignedID string
	Assignable []channelOption
	// Own is true for the party's own customer (not a reseller's).
	Own      bool
	Subs     []channelSubRow
	MoreSubs bool
	Orders   []channelOrderRow
	CanPush  bool
}

// channelMaxOrderScan bounds how many of the party's orders the customer
// page reads looking for the customer's (the order list has no customer
// filter).
const channelMaxOrderScan = 5 * page.MaxLimit

// channelCustomerPage shows a customer: the catalog it buys from, its
// subscriptions and its orders.
func (h *handler) channelCustomerPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	cust, err := h.channelCustomer(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := channelCustomerData{Tabs: channelTabs(r), Customer: cust, CanPush: may(r, identity.OrderPlacement)}
	as, err := h.ch.GetAssignment(ctx, cust.ID)
	if err != nil && errs.KindOf(err) != errs.KindFailedPrecondition {
		return err
	}
	if err == nil {
		d.Default = as.Default
		if !as.Default {
			d.AssignedID = as.CatalogID
		}
		if c, err := h.ch.GetPriceCatalog(ctx, as.CatalogID); err == nil {
			d.Catalog = &c
		}
	}
	d.Own = cust.ParentID == orgOf(r)
	if d.Own {
		cats, err := h.ch.ListPriceCatalogs(ctx)
		if err != nil {
			return err
		}
		for _, c := range cats {
			if c.Relation == "owner" && c.Tier == channel.SellOut && c.Status == "active" {
				label := c.Name
				if c.IsDefault {
					label += " (default)"
				}
				d.Assignable = append(d.Assignable, channelOption{Value: c.ID, Label: label})
			}
		}
	}
	names := h.lookups()
	subs, next, err := h.subs.ListSubscriptions(ctx, subscription.SubscriptionFilter{CustomerOrgID: cust.ID, Page: page.Request{Limit: 50}})
	if err != nil {
		return err
	}
	for _, s := range subs {
		d.Subs = append(d.Subs, channelSubRow{Sub: s, Plan: channelPlanName(ctx, names, s.ProductID, s.PlanID)})
	}
	d.MoreSubs = next != ""
	cursor := ""
	for scanned := 0; scanned < channelMaxOrderScan && len(d.Orders) < 50; {
		orders, next, err := h.subs.ListOrders(ctx, subscription.OrderFilter{Page: page.Request{Limit: page.MaxLimit, Cursor: cursor}})
		if err != nil {
			return err
		}
		for _, o := range orders {
			if o.CustomerOrgID == cust.ID && len(d.Orders) < 50 {
				d.Orders = append(d.Orders, channelOrderRow{Order: o, Plan: channelPlanName(ctx, names, o.ProductID, o.PlanID), Customer: cust.Name})
			}
		}
		scanned += len(orders)
		if next == "" {
			break
		}
		cursor = next
	}
	v.Title = cust.Name
	v.Data = d
	return h.render(w, r, v, channelPanel)
}

// channelAssignCatalog makes a customer buy from one of the party's
// sell-out catalogs (empty: the default one).
func (h *handler) channelAssignCatalog(w http.ResponseWriter, r *http.Request, v *view) error {
	id := r.PathValue("id")
	back := "/channel/customers/" + id
	if _, err := h.channelCustomer(r.Context(), id); err != nil {
		return err
	}
	if _, err := h.ch.AssignCatalog(r.Context(), id, r.PostForm.Get("catalog_id")); err != nil {
		return h.formFailed(w, r, v, "assign", err, back, h.channelCustomerPage)
	}
	return h.done(w, r, back, "The customer's price catalog was changed. It applies to new orders and renewals.")
}
