package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/nephele-cloud/nephele/internal/platform/outbox"
)

// Recorder writes what one change leaves behind: its audit entry and, when
// it names one, its domain event, both in the transaction carried by ctx,
// so neither exists without the other or without the change.
type Recorder struct {
	log    *Log
	outbox *outbox.Outbox
}

// NewRecorder returns a recorder writing to l and publishing to o.
func NewRecorder(l *Log, o *outbox.Outbox) Recorder { return Recorder{log: l, outbox: o} }

// Record writes the entry of action on the object and, when event is not
// empty, publishes event with data for the object's organization.
func (r Recorder) Record(ctx context.Context, action, objectType, objectID, orgID string, changes map[string]Change, event string, data any) error {
	if err := r.log.Record(ctx, Entry{Action: action, ObjectType: objectType, ObjectID: objectID, OrgID: orgID, Changes: changes}); err != nil {
		return err
	}
	if event == "" {
		return nil
	}
	return r.outbox.PublishData(ctx, event, objectType, objectID, orgID, data)
}

// Created records the creation of obj: its entry lists every field of obj
// as changed from nothing, and event, when named, carries obj as its data.
// obj is encoded once for both (a lifecycle batch records a thousand
// renewal orders).
func (r Recorder) Created(ctx context.Context, action, objectType, objectID, orgID string, obj any, event string) error {
	raw, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	changes, err := creationChanges(raw)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if err := r.log.record(ctx, Entry{Action: action, ObjectType: objectType, ObjectID: objectID, OrgID: orgID}, changes); err != nil {
		return err
	}
	if event == "" {
		return nil
	}
	return r.outbox.Publish(ctx, outbox.Event{Type: event, SubjectType: objectType, SubjectID: objectID, OrgID: orgID, Data: raw})
}

// creationChanges are the changes of a creation, as Diff(nil, obj) encodes
// them, made from obj's encoding raw: every field, in key order, from null
// to its encoded value (a part of raw, already compact).
func creationChanges(raw []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(raw) + 24*len(fields))
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(fields)) {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteString(`:{"from":null,"to":`)
		b.Write(fields[k])
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
