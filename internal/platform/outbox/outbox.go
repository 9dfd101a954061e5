// Package outbox is Nephele's transactional outbox: every state change
// records a domain event in the same transaction as the change, and a job
// enqueued in that transaction delivers it to the in-process subscribers.
//
// Delivery is at least once per event and exactly once per (event,
// subscriber): a subscriber's handler runs in a transaction that also records
// the delivery, so a retried job, or a second process, skips subscribers
// that already took the event. A handler that fails makes the job retry
// later for the subscribers still owed the event.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/ids"
	"github.com/nephele-cloud/nephele/internal/platform/queue"
)

// Event is a domain event: something that happened to one subject.
type Event struct {
	ID string `json:"id"`
	// Type is "<subject>.<verb>" in snake_case, e.g. "user.created".
	Type        string `json:"type"`
	SubjectType string `json:"subject_type"`
	SubjectID   string `json:"subject_id"`
	// OrgID is the organization owning the subject, for routing and
	// isolation of later consumers (webhooks, notifications).
	OrgID      string          `json:"org_id,omitempty"`
	ActorID    string          `json:"actor_id,omitempty"`
	RequestID  string          `json:"request_id,omitempty"`
	Data       json.RawMessage `json:"data"`
	OccurredAt time.Time       `json:"occurred_at"`
}

// Handler consumes an event. It runs inside a transaction (carried in ctx)
// that also records the delivery; returning an error rolls both back.
type Handler func(ctx context.Context, ev Event) error

type subscriber struct {
	name  string
	match func(string) bool
	// likes are the patterns as SQL LIKE patterns (none: every type).
	likes []string
	h     Handler
}

// Outbox records and delivers events.
type Outbox struct {
	db   *db.DB
	q    *queue.Queue
	log  *slog.Logger
	subs []subscriber
}

// New returns an outbox that records in d and delivers through jobs on q.
func New(d *db.DB, q *queue.Queue, log *slog.Logger) *Outbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{db: d, q: q, log: log}
}

var typeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]*$`)

// Subscribe registers h under a stable name for the event types matching
// pattern: an exact type ("user.created"), a prefix ("user.*") or "*";
// several patterns separated by "|" ("invoice.paid|invoice.voided") take
// the types any of them matches. Call it while wiring the application,
// before jobs start. Renaming a subscriber makes it receive again events
// that are retried; narrowing its patterns keeps what it was delivered.
func (o *Outbox) Subscribe(name, pattern string, h Handler) {
	if !nameRE.MatchString(name) {
		panic(fmt.Sprintf("outbox: bad subscriber name %q", name))
	}
	for _, s := range o.subs {
		if s.name == name {
			panic(fmt.Sprintf("outbox: subscriber %q registered twice", name))
		}
	}
	sub := subscriber{name: name, h: h}
	var matches []func(string) bool
	for _, p := range strings.Split(pattern, "|") {
		m, like := compile(p)
		if like == "" {
			sub.likes = nil // "*": every type
			matches = []func(string) bool{m}
			break
		}
		matches = append(matches, m)
		sub.likes = append(sub.likes, like)
	}
	sub.match = func(t string) bool {
		for _, m := range matches {
			if m(t) {
				return true
			}
		}
		return false
	}
	o.subs = append(o.subs, sub)
}

// compile turns one pattern into its matcher and SQL LIKE pattern ("" for
// every type).
func compile(pattern string) (func(string) bool, string) {
	switch {
	case pattern == "*":
		return func(string) bool { return true }, ""
	case strings.HasSuffix(pattern, ".*"):
		prefix := strings.TrimSuffix(pattern, "*")
		return func(t string) bool { return strings.HasPrefix(t, prefix) }, prefix + "%"
	default:
		return func(t string) bool { return t == pattern }, pattern
	}
}

// Publish records ev in the transaction carried by ctx and, when a
// subscriber takes its type, enqueues its delivery in the same
// transaction. It fills ID, OccurredAt (the transaction's time), ActorID
// and RequestID. It fails outside a
// transaction: an event must commit with the change it reports.
func (o *Outbox) Publish(ctx context.Context, ev Event) error {
	if err := o.db.MustTx(ctx); err != nil {
		return fmt.Errorf("publish %s: %w", ev.Type, err)
	}
	if !typeRE.MatchString(ev.Type) {
		return fmt.Errorf("publish: bad event type %q", ev.Type)
	}
	if ev.SubjectType == "" || ev.SubjectID == "" {
		return fmt.Errorf("publish %s: subject missing", ev.Type)
	}
	ev.ID = ids.New(ids.Event)
	ev.OccurredAt = o.db.Now(ctx)
	a := actor.From(ctx)
	ev.ActorID = a.UserID
	if a.Kind == actor.KindSystem {
		ev.ActorID = "system"
	}
	ev.RequestID = actor.RequestFrom(ctx).ID
	if len(ev.Data) == 0 {
		ev.Data = json.RawMessage(`{}`)
	}
	if !json.Valid(ev.Data) {
		return fmt.Errorf("publish %s: data is not JSON", ev.Type)
	}
	// Kept for the commit in a transaction that defers inserts (a
	// lifecycle batch): nothing reads an event in the transaction that
	// publishes it.
	err := o.db.Insert(ctx, "events", eventColumns,
		ev.ID, ev.Type, ev.SubjectType, ev.SubjectID, ev.OrgID, ev.ActorID, ev.RequestID, string(ev.Data), ev.OccurredAt)
	if err != nil {
		return fmt.Errorf("publish %s: %w", ev.Type, err)
	}
	if !o.listened(ev.Type) {
		return nil // recorded for the record (and later readers), delivered to no one
	}
	return o.q.Enqueue(ctx, DeliverArgs{EventID: ev.ID}, nil)
}

// eventColumns are the columns Publish writes.
var eventColumns = db.Columns("id, type, subject_type, subject_id, org_id, actor_id, request_id, data, occurred_at")

// listened reports whether a subscriber takes events of type typ: only
// those get a delivery job, so an event nobody handles costs the queue
// nothing.
func (o *Outbox) listened(typ string) bool {
	for _, s := range o.subs {
		if s.match(typ) {
			return true
		}
	}
	return false
}

// PublishData is Publish with data marshalled from v.
func (o *Outbox) PublishData(ctx context.Context, typ, subjectType, subjectID, orgID string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("publish %s: %w", typ, err)
	}
	return o.Publish(ctx, Event{Type: typ, SubjectType: subjectType, SubjectID: subjectID, OrgID: orgID, Data: data})
}

// Get loads one event.
func (o *Outbox) Get(ctx context.Context, id string) (Event, error) {
	var ev Event
	var data string
	err := o.db.QueryRow(ctx, `SELECT id, type, subject_type, subject_id, org_id, actor_id, request_id, data, occurred_at
		FROM events WHERE id = $1`, id).Scan(&ev.ID, &ev.Type, &ev.SubjectType, &ev.SubjectID, &ev.OrgID, &ev.ActorID, &ev.RequestID, &data, &ev.OccurredAt)
	ev.Data = json.RawMessage(data)
	return ev, err
}

// DeliverArgs is the job delivering one event to its subscribers.
type DeliverArgs struct {
	EventID string `json:"event_id"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "outbox_deliver" }

// InsertOpts gives deliveries a generous retry budget.
func (DeliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 20} }

// Worker returns the River worker delivering events.
func (o *Outbox) Worker() river.Worker[DeliverArgs] { return &deliverWorker{o: o} }

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	o *Outbox
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.o.Deliver(ctx, job.Args.EventID)
}

// Deliver hands one event to every matching subscriber not yet served,
// each in its own transaction with its delivery record. It returns the
// first handler error after trying every subscriber.
func (o *Outbox) Deliver(ctx context.Context, eventID string) error {
	ev, err := o.Get(ctx, eventID)
	if err != nil {
		return fmt.Errorf("deliver %s: %w", eventID, err)
	}
	ctx = actor.With(ctx, actor.System)
	ctx = actor.WithRequest(ctx, actor.Request{ID: ev.RequestID})
	var first error
	for _, s := range o.subs {
		if !s.match(ev.Type) {
			continue
		}
		err := o.db.InTx(ctx, func(ctx context.Context) error {
			n, err := o.db.Exec(ctx, `INSERT INTO event_deliveries (event_id, subscriber, delivered_at) VALUES ($1, $2, $3)
				ON CONFLICT (event_id, subscriber) DO NOTHING`, ev.ID, s.name, o.db.Now(ctx))
			if err != nil || n == 0 {
				return err // already delivered (n == 0) or a database error
			}
			return s.h(ctx, ev)
		})
		if err != nil {
			o.log.ErrorContext(ctx, "event delivery failed", "event_id", ev.ID, "type", ev.Type, "subscriber", s.name, "err", err)
			if first == nil {
				first = fmt.Errorf("deliver %s to %s: %w", ev.ID, s.name, err)
			}
		}
	}
	return first
}

// DeliverPending hands the events some subscriber has not taken yet to
// their subscribers, oldest first, and returns how many events it handled.
// Job workers deliver events as they are published; a process that works
// no jobs (a test, a test-clock server without workers) calls this to
// catch up. Delivery stays exactly once per subscriber; a handler that
// fails stops the catch-up with its error.
func (o *Outbox) DeliverPending(ctx context.Context) (int, error) {
	n := 0
	for {
		seen := map[string]bool{}
		var pending []string
		for _, s := range o.subs {
			cond, args := "1 = 1", []any{s.name}
			if len(s.likes) > 0 {
				var or []string
				for _, l := range s.likes {
					args = append(args, l)
					or = append(or, "e.type LIKE $"+strconv.Itoa(len(args)))
				}
				cond = "(" + strings.Join(or, " OR ") + ")"
			}
			ids, err := db.Select(ctx, o.db, func(sc db.Scanner) (string, error) {
				var id string
				return id, sc.Scan(&id)
			}, `SELECT e.id FROM events e WHERE `+cond+` AND NOT EXISTS (
				SELECT 1 FROM event_deliveries d WHERE d.event_id = e.id AND d.subscriber = $1) ORDER BY e.id LIMIT 500`, args...)
			if err != nil {
				return n, err
			}
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					pending = append(pending, id)
				}
			}
		}
		if len(pending) == 0 {
			return n, nil
		}
		slices.Sort(pending)
		progress := false
		for _, id := range pending {
			ev, err := o.Get(ctx, id)
			if err != nil {
				return n, err
			}
			matched := false
			for _, s := range o.subs {
				matched = matched || s.match(ev.Type)
			}
			if !matched {
				continue // LIKE's "_" matched more than the pattern; nobody is owed it
			}
			if err := o.Deliver(ctx, id); err != nil {
				return n, err
			}
			n++
			progress = true
		}
		if !progress {
			return n, nil
		}
	}
}
