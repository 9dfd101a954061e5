package identity

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// ListAuditEvents reads the audit log, for callers holding the audit log
// review function (super admins, admins and supervisors).
func (s *Service) ListAuditEvents(ctx context.Context, f audit.Filter) ([]audit.Entry, string, error) {
	if _, err := Authorize(ctx, AuditLogReview); err != nil {
		return nil, "", err
	}
	v := validate.New()
	if f.ActorID != "" {
		v.ID("actor_id", ids.User, f.ActorID)
	}
	if f.OrgID != "" {
		v.ID("org_id", ids.Organization, f.OrgID)
	}
	v.Text("object_type", f.ObjectType, 64)
	v.Text("object_id", f.ObjectID, 64)
	v.Text("action", f.Action, 64)
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		v.Add("until", "out_of_range", "must be after since")
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	return s.audit.List(ctx, f)
}
