package internal_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// owners names the package that owns each table: only it reads or writes
// the table's rows. Another domain asks the owner's service (a batch
// method where a loop would otherwise query once per row). settings is
// shared storage: each domain keeps its own keys there through db.
var owners = map[string]string{
	"api_keys": "identity", "login_attempts": "identity", "org_tree": "identity", "organizations": "identity",
	"sessions": "identity", "users": "identity",
	"audit_events": "audit",
	"events":       "platform/outbox", "event_deliveries": "platform/outbox",
	"idempotency_keys": "api",
	"ledger_entries":   "ledger", "ledger_journals": "ledger",
	"bundle_components": "catalog", "coupon_plans": "catalog", "coupon_redemptions": "catalog", "coupons": "catalog",
	"plan_extras": "catalog", "plan_metrics": "catalog", "plans": "catalog", "product_reviews": "catalog",
	"product_tags": "catalog", "products": "catalog", "vendor_profiles": "catalog",
	"price_catalog_assignments": "channel", "price_catalog_plans": "channel", "price_catalog_products": "channel",
	"price_catalogs": "channel",
	"orders":         "subscription", "subscription_reminders": "subscription", "subscription_transitions": "subscription",
	"subscriptions": "subscription", "trial_usages": "subscription",
	"charge_details": "billing", "charge_states": "billing", "charges": "billing", "invoice_bodies": "billing",
	"invoice_lines": "billing", "invoice_sequences": "billing", "invoiced_periods": "billing", "invoices": "billing",
	"payments": "billing", "tax_rates": "billing", "usage_records": "billing", "vendor_fees": "billing",
	"vendor_lines": "billing",
}

var tableUse = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_]+)\b`)

// Nothing reads another domain's tables: the SQL in a package's code names
// only the tables it owns (tests and migrations aside; the demo seed and
// the command line go through services too).
func TestNoCrossDomainTableReads(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("..")
	var bad []string
	_ = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(root, "internal"), filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for n, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			for _, m := range tableUse.FindAllStringSubmatch(line, -1) {
				owner, ok := owners[m[1]]
				if !ok || owner == rel || strings.HasPrefix(rel, owner+"/") || strings.HasPrefix(rel, "platform/db") {
					continue
				}
				file, _ := filepath.Rel(root, path)
				bad = append(bad, file+":"+strconv.Itoa(n+1)+" uses "+m[1]+", which "+owner+" owns")
			}
		}
		return nil
	})
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b + ": ask its service instead")
	}
}

var setter = regexp.MustCompile(`^func \([a-z]+ \*?[A-Z]\w*\) (Set[A-Z]\w*)\(\w+ [^,)]+\) \{ [a-z]+\.\w+ = \w+ \}`)

// Domains are wired in the composition root only: a service gets what it
// needs of other domains when it is built (its Deps), never through a
// setter called afterwards, which leaves the service half-built in between
// and hides who depends on whom.
func TestNoWiringSetters(t *testing.T) {
	t.Parallel()
	if !setter.MatchString(`func (s *Service) SetSecrets(k *secret.Keyring) { s.secrets = k }`) {
		t.Fatal("the setter pattern misses a wiring setter")
	}
	root, _ := filepath.Abs("..")
	_ = filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for n, line := range strings.Split(string(b), "\n") {
			if m := setter.FindStringSubmatch(line); m != nil {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: %s only assigns a field: take it in the constructor's Deps or Config instead", rel, n+1, m[1])
			}
		}
		return nil
	})
}
