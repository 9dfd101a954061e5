// Package audit is the audit log: who did what to which object, when, on
// which request, and what changed. Every mutation of every domain records
// one entry in its own transaction, with both identities when an
// administrator impersonates a user. Entries are never updated or deleted.
//
// The log records; reading it is a privileged operation that the identity
// service authorizes.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// Change is one field's value before and after.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Entry is one audit log record.
type Entry struct {
	ID         string    `json:"id"`
	OccurredAt time.Time `json:"occurred_at"`
	ActorID    string    `json:"actor_id"`
	ActorKind  string    `json:"actor_kind"`
	ActorRole  string    `json:"actor_role"`
	ActorOrgID string    `json:"actor_org_id"`
	// ImpersonatorID is the administrator who acted as ActorID, if any.
	ImpersonatorID string            `json:"impersonator_id,omitempty"`
	APIKeyID       string            `json:"api_key_id,omitempty"`
	OrgID          string            `json:"org_id"`
	Action         string            `json:"action"`
	ObjectType     string            `json:"object_type"`
	ObjectID       string            `json:"object_id"`
	Changes        map[string]Change `json:"changes"`
	RequestID      string            `json:"request_id,omitempty"`
	IP             string            `json:"ip,omitempty"`
}

// Log writes and reads the audit log.
type Log struct{ db *db.DB }

// New returns the audit log stored in d.
func New(d *db.DB) *Log { return &Log{db: d} }

// Record writes e in the transaction carried by ctx, filling its id, time
// (the transaction's), actor and request from the context. It fails outside a
// transaction: the entry must commit with the change it describes.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.Changes == nil {
		e.Changes = map[string]Change{}
	}
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return l.record(ctx, e, changes)
}

// record writes e with its changes already encoded.
func (l *Log) record(ctx context.Context, e Entry, changes []byte) error {
	if err := l.db.MustTx(ctx); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	a := actor.From(ctx)
	r := actor.RequestFrom(ctx)
	e.ID = ids.New(ids.AuditEvent)
	e.OccurredAt = l.db.Now(ctx)
	e.ActorID, e.ActorKind, e.ActorRole, e.ActorOrgID = a.UserID, a.Kind, a.Role, a.OrgID
	if e.ActorKind == "" {
		e.ActorKind = "anonymous"
	}
	e.ImpersonatorID, e.APIKeyID = a.ImpersonatorID, a.APIKeyID
	e.RequestID, e.IP = r.ID, r.IP
	// Kept for the commit in a transaction that defers inserts: nothing
	// reads an entry in the transaction that records it.
	err := l.db.Insert(ctx, "audit_events", entryColumns,
		e.ID, e.OccurredAt, e.ActorID, e.ActorKind, e.ActorRole, e.ActorOrgID, e.ImpersonatorID, e.APIKeyID,
		e.OrgID, e.Action, e.ObjectType, e.ObjectID, string(changes), e.RequestID, e.IP)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// entryColumns are the columns Record writes.
var entryColumns = db.Columns(`id, occurred_at, actor_id, actor_kind, actor_role, actor_org_id,
	impersonator_id, api_key_id, org_id, action, object_type, object_id, changes, request_id, ip`)

// Diff returns the fields that differ between two values of the same struct
// type, keyed by their JSON names. Fields tagged json:"-" (secrets) are never
// compared or recorded. A nil before (creation) records every field of after.
func Diff(before, after any) map[string]Change {
	b, a := fields(before), fields(after)
	out := map[string]Change{}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !reflect.DeepEqual(bv, av) {
			out[k] = Change{From: bv, To: av}
		}
	}
	for k, bv := range b {
		if _, ok := a[k]; !ok {
			out[k] = Change{From: bv, To: nil}
		}
	}
	return out
}

func fields(v any) map[string]any {
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return map[string]any{}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return map[string]any{}
	}
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	return m
}

// Filter narrows a listing. Zero fields do not filter.
type Filter struct {
	ObjectType string
	ObjectID   string
	ActorID    string
	OrgID      string
	Action     string
	Since      time.Time
	Until      time.Time
	Page       page.Request
}

// List returns entries newest first, and the cursor of the next page.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, string, error) {
	q := db.NewQuery(`SELECT id, occurred_at, actor_id, actor_kind, actor_role, actor_org_id, impersonator_id, api_key_id,
		org_id, action, object_type, object_id, changes, request_id, ip FROM audit_events WHERE 1 = 1`)
	eq := func(column, v string) {
		if v != "" {
			q.Add(" AND " + column + " = " + q.Arg(v))
		}
	}
	eq("object_type", f.ObjectType)
	eq("object_id", f.ObjectID)
	eq("org_id", f.OrgID)
	eq("action", f.Action)
	if f.ActorID != "" {
		p := q.Arg(f.ActorID)
		q.Add(" AND (actor_id = " + p + " OR impersonator_id = " + p + ")")
	}
	if !f.Since.IsZero() {
		q.Add(" AND occurred_at >= " + q.Arg(f.Since.UTC()))
	}
	if !f.Until.IsZero() {
		q.Add(" AND occurred_at < " + q.Arg(f.Until.UTC()))
	}
	rows, next, err := page.List(ctx, l.db, q, "id", page.Descending, f.Page, scanEntry, func(e Entry) string { return e.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	return rows, next, nil
}

func scanEntry(s db.Scanner) (Entry, error) {
	var e Entry
	var changes string
	err := s.Scan(&e.ID, &e.OccurredAt, &e.ActorID, &e.ActorKind, &e.ActorRole, &e.ActorOrgID, &e.ImpersonatorID,
		&e.APIKeyID, &e.OrgID, &e.Action, &e.ObjectType, &e.ObjectID, &changes, &e.RequestID, &e.IP)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
		return e, fmt.Errorf("audit event %s: changes: %w", e.ID, err)
	}
	return e, nil
}
