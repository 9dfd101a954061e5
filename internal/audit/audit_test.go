package audit_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/audit"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
	"github.com/nephele-cloud/nephele/internal/platform/outbox"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

type thing struct {
	Name   string `json:"name"`
	Secret string `json:"-"`
	Count  int    `json:"count"`
}

func TestDiff(t *testing.T) {
	t.Parallel()
	d := audit.Diff(thing{Name: "a", Secret: "x", Count: 1}, thing{Name: "b", Secret: "y", Count: 1})
	if len(d) != 1 || d["name"].From != "a" || d["name"].To != "b" {
		t.Fatalf("Diff = %#v", d)
	}
	if c := audit.Diff(nil, &thing{Name: "n"}); len(c) != 2 || c["name"].To != "n" {
		t.Fatalf("creation diff = %#v", c)
	}
}

func TestRecordAndList(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		log := audit.New(d)
		ctx := actor.With(context.Background(), actor.Actor{Kind: actor.KindUser, UserID: "usr_cust", Role: "customer", OrgID: "org_c", ImpersonatorID: "usr_admin"})
		ctx = actor.WithRequest(ctx, actor.Request{ID: "req_1", IP: "192.0.2.1"})
		if err := log.Record(ctx, audit.Entry{Action: "x.update"}); err == nil {
			t.Fatal("recorded outside a transaction")
		}
		for i, obj := range []string{"thg_1", "thg_2", "thg_1"} {
			err := d.InTx(ctx, func(ctx context.Context) error {
				return log.Record(ctx, audit.Entry{Action: "thing.update", ObjectType: "thing", ObjectID: obj, OrgID: "org_c",
					Changes: audit.Diff(thing{Count: i}, thing{Count: i + 1})})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		got, next, err := log.List(ctx, audit.Filter{ObjectID: "thg_1"})
		if err != nil || len(got) != 2 || next != "" {
			t.Fatalf("List = %d entries, next %q, %v", len(got), next, err)
		}
		e := got[0]
		if e.ActorID != "usr_cust" || e.ImpersonatorID != "usr_admin" || e.RequestID != "req_1" || e.IP != "192.0.2.1" {
			t.Fatalf("both identities and the request must be kept: %+v", e)
		}
		if e.Changes["count"].To != float64(3) {
			t.Fatalf("changes = %#v", e.Changes)
		}
		// Filtering by actor finds entries where the user acted or impersonated.
		if got, _, _ := log.List(ctx, audit.Filter{ActorID: "usr_admin"}); len(got) != 3 {
			t.Fatalf("by impersonator: %d", len(got))
		}
		// Time window and paging.
		if got, _, _ := log.List(ctx, audit.Filter{Since: d.Clock().Now().Add(time.Second)}); len(got) != 0 {
			t.Fatalf("since filter: %d", len(got))
		}
		p1, next, err := log.List(ctx, audit.Filter{Page: page.Request{Limit: 2}})
		if err != nil || len(p1) != 2 || next == "" {
			t.Fatalf("page 1: %d, %q, %v", len(p1), next, err)
		}
		p2, next2, err := log.List(ctx, audit.Filter{Page: page.Request{Limit: 2, Cursor: next}})
		if err != nil || len(p2) != 1 || next2 != "" || p2[0].ID >= p1[1].ID {
			t.Fatalf("page 2: %v, %q, %v", p2, next2, err)
		}
	})
}

// Created records a creation as Record would with Diff(nil, obj), and
// publishes obj itself as the event's data.
func TestCreated(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ob := outbox.New(d, nil, slog.New(slog.DiscardHandler))
		rec := audit.NewRecorder(audit.New(d), ob)
		ctx := actor.With(context.Background(), actor.Actor{Kind: actor.KindUser, UserID: "usr_1", Role: "admin"})
		obj := thing{Name: "n <&> \"quoted\"", Secret: "s", Count: 7}
		err := d.InTx(ctx, func(ctx context.Context) error {
			return rec.Created(ctx, "thing.create", "thing", "thg_9", "org_c", obj, "thing.created")
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := audit.New(d).List(ctx, audit.Filter{ObjectID: "thg_9"})
		if err != nil || len(got) != 1 {
			t.Fatalf("entries: %d, %v", len(got), err)
		}
		want := audit.Diff(nil, obj)
		if len(got[0].Changes) != len(want) || got[0].Changes["name"] != want["name"] || got[0].Changes["count"] != want["count"] {
			t.Fatalf("changes %#v, want %#v", got[0].Changes, want)
		}
		// Written as Diff(nil, obj) encodes, to the byte.
		var stored string
		if err := d.QueryRow(ctx, `SELECT changes FROM audit_events WHERE object_id = 'thg_9'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if enc, _ := json.Marshal(want); stored != string(enc) {
			t.Fatalf("stored changes %s, want %s", stored, enc)
		}
		var data string
		if err := d.QueryRow(ctx, `SELECT data FROM events WHERE type = 'thing.created' AND subject_id = 'thg_9'`).Scan(&data); err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal([]byte(data), &back); err != nil || back["name"] != obj.Name || back["count"] != float64(7) || back["Secret"] != nil {
			t.Fatalf("event data %s (%v)", data, err)
		}
	})
}
