package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// AuditEvent is one entry of the audit log.
type AuditEvent audit.Entry

type auditEventPage struct {
	Body Page[AuditEvent]
}

type listAuditEventsInput struct {
	PageParams
	ObjectType string    `query:"object_type" maxLength:"64" doc:"e.g. user, organization, api_key."`
	ObjectID   string    `query:"object_id" maxLength:"64"`
	ActorID    string    `query:"actor_id" maxLength:"64" doc:"Entries where this user acted or impersonated."`
	OrgID      string    `query:"org_id" maxLength:"64" doc:"Entries about objects of this organization."`
	Action     string    `query:"action" maxLength:"64" doc:"e.g. user.create."`
	Since      time.Time `query:"since" doc:"From this time (inclusive)."`
	Until      time.Time `query:"until" doc:"Up to this time (exclusive)."`
}

// auditHandlers serve the audit log.
type auditHandlers struct {
	svc *identity.Service
}

func registerAudit(a *API, svc *identity.Service) {
	h := auditHandlers{svc}
	Register(a, huma.Operation{
		OperationID: "list-audit-events", Method: http.MethodGet, Path: "/audit-events", Tags: []string{"Audit log"},
		Summary: "Read the audit log",
		Description: "Every change, newest first: who (and which administrator impersonating them), in which organization, " +
			"what action on which object, when, from which request, and the changed fields. For super admins, admins and supervisors.",
	}, h.list)
}

func (h auditHandlers) list(ctx context.Context, in *listAuditEventsInput) (*auditEventPage, error) {
	entries, next, err := h.svc.ListAuditEvents(ctx, audit.Filter{ObjectType: in.ObjectType, ObjectID: in.ObjectID, ActorID: in.ActorID,
		OrgID: in.OrgID, Action: in.Action, Since: in.Since, Until: in.Until, Page: page.Request{Limit: in.Limit, Cursor: in.Cursor}})
	if err != nil {
		return nil, err
	}
	out := make([]AuditEvent, len(entries))
	for i, e := range entries {
		out[i] = AuditEvent(e)
	}
	return &auditEventPage{Page[AuditEvent]{Data: out, NextCursor: next}}, nil
}
