package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/pricing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// channelIsReseller reports whether the signed-in party is a reseller.
func channelIsReseller(r *http.Request) bool {
	return identity.Role(currentUser(r).Actor.Role) == identity.Reseller
}

// channelTab is one tab of the panel's sub-navigation.
type channelTab struct {
	Label   string
	Href    string
	Current bool
}

// channelTabs is the panel's sub-navigation, the current section marked.
func channelTabs(r *http.Request) []channelTab {
	tabs := []channelTab{{Label: "Overview", Href: "/channel"}, {Label: "Price catalogs", Href: "/channel/catalogs"},
		{Label: "Customers", Href: "/channel/customers"}, {Label: "Orders", Href: "/channel/orders"}, {Label: "Proceeds", Href: "/channel/proceeds"}}
	for i := range tabs {
		p := r.URL.Path
		tabs[i].Current = p == tabs[i].Href || (tabs[i].Href != "/channel" && strings.HasPrefix(p, tabs[i].Href+"/"))
	}
	return tabs
}

// channelOverviewData is the panel's home.
type channelOverviewData struct {
	Tabs      []channelTab
	Org       identity.Organization
	Reseller  bool
	Catalogs  int
	Source    *channel.PriceCatalog
	Customers channelCount
	Resellers channelCount
	ToReview  channelCount
	CanPush   bool
}

// channelCount is a count of one page of a list, "more than N" when the
// list goes on.
type channelCount struct {
	N    int
	More bool
}

func (c channelCount) String() string {
	if c.More {
		return "more than " + strconv.Itoa(c.N)
	}
	return strconv.Itoa(c.N)
}

// channelOverview shows the party's counts and where to go next.
func (h *handler) channelOverview(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	org, err := h.id.GetOrganization(ctx, orgOf(r))
	if err != nil {
		return err
	}
	d := channelOverviewData{Tabs: channelTabs(r), Org: org, Reseller: channelIsReseller(r), CanPush: may(r, identity.OrderPlacement)}
	cats, err := h.ch.ListPriceCatalogs(ctx)
	if err != nil {
		return err
	}
	for i, c := range cats {
		switch c.Relation {
		case "owner":
			if c.Status == "active" {
				d.Catalogs++
			}
		case "buyer":
			d.Source = &cats[i]
		}
	}
	count := func(kind identity.OrgKind) (channelCount, error) {
		orgs, next, err := h.id.ListOrganizations(ctx, identity.OrganizationFilter{Kind: kind, Status: identity.StatusActive,
			Page: page.Request{Limit: page.MaxLimit}})
		return channelCount{N: len(orgs), More: next != ""}, err
	}
	if d.Customers, err = count(identity.CustomerOrg); err != nil {
		return err
	}
	if !d.Reseller {
		if d.Resellers, err = count(identity.ResellerOrg); err != nil {
			return err
		}
	}
	orders, next, err := h.subs.ListOrders(ctx, subscription.OrderFilter{ToReview: true, Page: page.Request{Limit: page.MaxLimit}})
	if err != nil {
		return err
	}
	d.ToReview = channelCount{N: len(orders), More: next != ""}
	v.Title = "Channel"
	v.Data = d
	return h.render(w, r, v, channelPanel)
}

// channelTiers are the tiers the signed-in party sells at, with labels.
func channelTiers(r *http.Request) []channelOption {
	if channelIsReseller(r) {
		return []channelOption{{Value: channel.SellOut, Label: "Sell-out: to my customers"}}
	}
	return []channelOption{{Value: channel.SellIn, Label: "Sell-in: to my resellers"}, {Value: channel.SellOut, Label: "Sell-out: to my direct customers"}}
}

// channelOption is one option of a select.
type channelOption struct {
	Value string
	Label string
}

// channelTierLabel names a tier for people.
func channelTierLabel(t string) string {
	switch t {
	case channel.Wholesale:
		return "Wholesale"
	case channel.SellIn:
		return "Sell-in"
	case channel.SellOut:
		return "Sell-out"
	}
	return t
}

// channelPanel is the one template of the panel's pages: each page's data
// names its section (ChannelPage), so the pages share the tabs and the
// markup editor.
const channelPanel = "channel_panel"

// ChannelPage names the section of the panel template each page data
// renders.
func (channelOverviewData) ChannelPage() string  { return "overview" }
func (channelCatalogsData) ChannelPage() string  { return "catalogs" }
func (channelCatalogData) ChannelPage() string   { return "catalog" }
func (channelCustomersData) ChannelPage() string { return "customers" }
func (channelCustomerData) ChannelPage() string  { return "customer" }
func (channelNewOrderData) ChannelPage() string  { return "order_new" }
func (channelOrdersData) ChannelPage() string    { return "orders" }
func (channelProceedsData) ChannelPage() string  { return "proceeds" }

// channelMarkupSummary describes markups in a few words ("Licence +12.5 %,
// Setup fees +5.00"), "none" when every charge type passes through.
func channelMarkupSummary(m *pricing.ChargeMarkups) string {
	var parts []string
	for _, ct := range channelChargeTypes {
		mk := channelMarkupOf(m, ct.Key)
		if mk == nil {
			continue
		}
		label, _, _ := strings.Cut(ct.Label, " (")
		v := money.FormatDecimal(mk.Value)
		if !mk.Value.IsNegative() {
			v = "+" + v
		}
		if mk.Kind == pricing.MarkupPercent {
			v += " %"
		}
		parts = append(parts, label+" "+v)
	}
	if len(parts) == 0 {
		return "none: sells at the price it buys at"
	}
	return strings.Join(parts, ", ")
}

// channelSelectField is a labelled select for the "channel-select"
// template.
type channelSelectField struct {
	Form    string
	Name    string
	Label   string
	Prompt  string // the empty first option, "" for none
	Value   string
	Error   string
	Options []channelOption
}

// ID is the select's id, unique on the page.
func (s channelSelectField) ID() string { return Field{Form: s.Form, Name: s.Name}.ID() }

// ChannelSelect returns the select name of the form, with the submitted
// value (def before a submission) and its error.
func (f *Form) ChannelSelect(name, label, prompt, def string, options []channelOption) channelSelectField {
	return channelSelectField{Form: f.Name, Name: name, Label: label, Prompt: prompt, Value: f.Value(name, def), Error: f.Error(name),
		Options: options}
}

// channelWords turns a service's snake_case status or kind into words:
// "requires_approval" → "Requires approval".
func channelWords(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
