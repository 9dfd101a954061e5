package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// auditRow is one line of the audit log.
type auditRow struct {
	Entry        audit.Entry
	Actor        identity.User
	Impersonator identity.User
	// Changed lists the fields the entry changed, sorted.
	Changed []string
}

// auditData is the audit log page's content.
type auditData struct {
	listData[auditRow]
	ObjectID string
	ActorID  string
}

// auditPage shows the audit log, newest first, filtered by object and
// actor, to holders of the audit log review function (the service refuses
// everyone else, which shows as a 403 page).
func (h *handler) auditPage(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	d := auditData{ObjectID: strings.TrimSpace(q.Get("object_id")), ActorID: strings.TrimSpace(q.Get("actor_id"))}
	cursor := q.Get("cursor")
	v.Title = "Audit log"
	entries, next, err := h.id.ListAuditEvents(r.Context(), audit.Filter{ObjectID: d.ObjectID, ActorID: d.ActorID, Page: page.Request{Cursor: cursor}})
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 && e.Code != "invalid_cursor" {
		v.setForm("filter", newForm(q, e.Fields))
		v.Status = http.StatusUnprocessableEntity
		v.Data = d
		return h.render(w, r, v, "admin_audit")
	}
	if err != nil {
		return err
	}
	users := userCache{id: h.id}
	for _, e := range entries {
		row := auditRow{Entry: e}
		if row.Actor, err = users.get(r.Context(), e.ActorID); err != nil {
			return err
		}
		if row.Impersonator, err = users.get(r.Context(), e.ImpersonatorID); err != nil {
			return err
		}
		for k := range e.Changes {
			row.Changed = append(row.Changed, k)
		}
		slices.Sort(row.Changed)
		d.Rows = append(d.Rows, row)
	}
	d.Next, d.First = pageLinks("/audit", q, cursor, next)
	v.Data = d
	return h.render(w, r, v, "admin_audit")
}

// userCache looks users up once per page. A user the viewer may not see
// (or no user at all) comes back as the zero User.
type userCache struct {
	id   *identity.Service
	seen map[string]identity.User
}

func (c *userCache) get(ctx context.Context, id string) (identity.User, error) {
	if id == "" {
		return identity.User{}, nil
	}
	if u, ok := c.seen[id]; ok {
		return u, nil
	}
	u, err := c.id.GetUser(ctx, id)
	if k := errs.KindOf(err); k == errs.KindNotFound || k == errs.KindInvalid {
		u, err = identity.User{}, nil
	}
	if err != nil {
		return u, err
	}
	if c.seen == nil {
		c.seen = map[string]identity.User{}
	}
	c.seen[id] = u
	return u, nil
}
