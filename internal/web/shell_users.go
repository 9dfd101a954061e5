package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// listData is the content of a searchable, paged list.
type listData[T any] struct {
	Query string
	Rows  []T
	// Next and First link to the next page and back to the first, "" when
	// there is none.
	Next  string
	First string
}

// pageLinks fills the paging links of a list at path: next is the service's
// next cursor, params the filters to keep.
func pageLinks(path string, params url.Values, cursor, next string) (nextURL, firstURL string) {
	keep := url.Values{}
	for k, v := range params {
		if k != "cursor" && len(v) > 0 && v[0] != "" {
			keep.Set(k, v[0])
		}
	}
	link := func(c string) string {
		q := url.Values{}
		for k, v := range keep {
			q[k] = v
		}
		if c != "" {
			q.Set("cursor", c)
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	if next != "" {
		nextURL = link(next)
	}
	if cursor != "" {
		firstURL = link("")
	}
	return nextURL, firstURL
}

// userRow is one line of the users list.
type userRow struct {
	User identity.User
	Org  identity.Organization
	// Impersonable shows the Impersonate button.
	Impersonable bool
}

// usersPage lists the users the signed-in user may see.
func (h *handler) usersPage(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	query, cursor := strings.TrimSpace(q.Get("q")), q.Get("cursor")
	users, next, err := h.id.ListUsers(r.Context(), identity.UserFilter{Query: query, Page: page.Request{Cursor: cursor}})
	if err != nil {
		return err
	}
	s := currentUser(r)
	canImpersonate := may(r, identity.UserImpersonation) && !s.Actor.Impersonated()
	orgs := orgCache{id: h.id}
	d := listData[userRow]{Query: query}
	for _, u := range users {
		org, err := orgs.get(r.Context(), u.OrgID)
		if err != nil {
			return err
		}
		d.Rows = append(d.Rows, userRow{User: u, Org: org, Impersonable: canImpersonate && u.ID != s.User.ID && u.Status == identity.UserActive})
	}
	d.Next, d.First = pageLinks("/users", q, cursor, next)
	v.Title = "Users"
	v.Data = d
	return h.render(w, r, v, "shell_users")
}

// orgRow is one line of the organizations list.
type orgRow struct {
	Org identity.Organization
	// Parent is the parent organization when the user may see it.
	Parent identity.Organization
}

// organizationsPage lists the organizations the signed-in user may see.
func (h *handler) organizationsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	query, cursor := strings.TrimSpace(q.Get("q")), q.Get("cursor")
	list, next, err := h.id.ListOrganizations(r.Context(), identity.OrganizationFilter{Query: query, Page: page.Request{Cursor: cursor}})
	if err != nil {
		return err
	}
	orgs := orgCache{id: h.id}
	d := listData[orgRow]{Query: query}
	for _, o := range list {
		row := orgRow{Org: o}
		if o.ParentID != "" {
			if row.Parent, err = orgs.get(r.Context(), o.ParentID); err != nil {
				return err
			}
		}
		d.Rows = append(d.Rows, row)
	}
	d.Next, d.First = pageLinks("/organizations", q, cursor, next)
	v.Title = "Organizations"
	v.Data = d
	return h.render(w, r, v, "shell_organizations")
}

// orgCache looks organizations up once per page. An organization the user
// may not see comes back as the zero Organization.
type orgCache struct {
	id   *identity.Service
	seen map[string]identity.Organization
}

func (c *orgCache) get(ctx context.Context, id string) (identity.Organization, error) {
	if o, ok := c.seen[id]; ok {
		return o, nil
	}
	o, err := c.id.GetOrganization(ctx, id)
	if errs.KindOf(err) == errs.KindNotFound {
		o, err = identity.Organization{}, nil
	}
	if err != nil {
		return o, err
	}
	if c.seen == nil {
		c.seen = map[string]identity.Organization{}
	}
	c.seen[id] = o
	return o, nil
}
