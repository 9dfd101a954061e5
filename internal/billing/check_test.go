package billing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/db"
	"github.com/nephele-cloud/nephele/internal/platform/db/dbtest"
)

// Invoices name their parties without a foreign key on PostgreSQL;
// billing.Check finds one whose organization is missing. SQLite keeps the
// key and refuses the row.
func TestCheckFindsInvoicesWithoutTheirParties(t *testing.T) {
	t.Parallel()
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			f := setup(t, e)
			ctx := context.Background()
			if err := f.bill.Check(ctx); err != nil {
				t.Fatalf("a new database: %v", err)
			}
			_, err := f.d.Exec(ctx, `INSERT INTO invoices (id, kind, issuer_org_id, recipient_org_id, status, currency,
				subtotal_minor, tax_minor, total_minor, issuer, recipient, created_at, updated_at)
				VALUES ('inv_orphan', 'invoice', $1, 'org_gone', 'draft', 'EUR', 0, 0, 0, '{}', '{}', $2, $2)`,
				f.org("operator"), start)
			if e == db.SQLite {
				if !db.IsForeignKeyViolation(err) {
					t.Fatalf("an invoice for a missing organization: %v, want a foreign key violation", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := f.bill.Check(ctx); err == nil || !strings.Contains(err.Error(), "inv_orphan") {
				t.Fatalf("Check = %v, want inv_orphan named", err)
			}
			if _, err := f.d.Exec(ctx, `DELETE FROM invoices WHERE id = 'inv_orphan'`); err != nil {
				t.Fatal(err)
			}
		})
	}
}
