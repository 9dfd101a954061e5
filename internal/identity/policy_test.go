package identity

import (
	"strings"
	"testing"
)

// The role × function matrix, cell by cell. Columns: super_admin, admin,
// supervisor, vendor, distributor, reseller, customer. Changing a
// permission means changing this table too.
const wantMatrix = `
platform_configuration                   x . . . . . .
platform_debug                           x . . . . . .
marketplace_customization                x x . . . x .
user_management                          x x . . . . .
user_impersonation                       x x x . . . .
customer_management                      x x . . x x .
cloud_providers_technical_configuration  x . . . . . .
cloud_providers_pricing_configuration    x x . . . . .
product_onboarding                       x x . x . . .
sandboxing                               x x . x . . .
vendor_registration_review               x x x . . . .
product_onboarding_review                x x x . . . .
wholesale_pricing                        x x . . . . .
sell_in_pricing                          x x . . x . .
sell_out_pricing                         x x . . . x .
extra_resources_management               x x . x . x .
coupon_management                        x x . x . x .
bundle_management                        x x . x x x .
financial_reports                        x x x x x x .
messaging_system                         x x x x x x x
order_placement                          x x . . . x x
audit_log_review                         x x x . . . .
`

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	seen := map[Function]bool{}
	for _, line := range strings.Split(strings.TrimSpace(wantMatrix), "\n") {
		cols := strings.Fields(line)
		if len(cols) != 1+len(Roles) {
			t.Fatalf("bad matrix line %q", line)
		}
		f := Function(cols[0])
		seen[f] = true
		for i, r := range Roles {
			want := cols[1+i] == "x"
			if got := Can(r, f); got != want {
				t.Errorf("Can(%s, %s) = %v, want %v", r, f, got, want)
			}
		}
	}
	for _, f := range Functions {
		if !seen[f] {
			t.Errorf("function %s has no row in the expected matrix", f)
		}
	}
	if len(seen) != len(Functions) || len(matrix) != len(Functions) {
		t.Errorf("matrix has %d functions, Functions lists %d, the test %d", len(matrix), len(Functions), len(seen))
	}
	if Can(Role("nobody"), MessagingSystem) {
		t.Error("an unknown role holds a function")
	}
}

func TestRolesFitOrganizationKinds(t *testing.T) {
	t.Parallel()
	for _, k := range OrgKinds {
		if len(RolesFor(k)) == 0 {
			t.Errorf("kind %s has no roles", k)
		}
	}
	for _, r := range Roles {
		n := 0
		for _, k := range OrgKinds {
			for _, rr := range RolesFor(k) {
				if rr == r {
					n++
				}
			}
		}
		if n != 1 {
			t.Errorf("role %s fits %d kinds, want exactly 1", r, n)
		}
	}
}

func TestPasswords(t *testing.T) {
	t.Parallel()
	p := HashParams{MemoryKiB: 64, Time: 1, Threads: 1}
	h, err := hashPassword("correct-horse-9", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash format %q", h)
	}
	h2, _ := hashPassword("correct-horse-9", p)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !verifyPassword(h, "correct-horse-9") || verifyPassword(h, "correct-horse-8") || verifyPassword("garbage", "x") {
		t.Fatal("verify")
	}
	for _, bad := range []string{"$argon2id$v=19$m=0,t=1,p=1$AA$AA", "$argon2id$v=18$m=64,t=1,p=1$AA$AA", "$bcrypt$..."} {
		if verifyPassword(bad, "") {
			t.Fatalf("verified against %q", bad)
		}
	}
	weak := map[string]string{
		"short1":               "at least 10",
		"abcdefghij":           "mix letters",
		"1234567890":           "mix letters",
		"aaaaaaaaaaaaaaaaaaa1": "too few different",
		"Password123":          "guess",
		"johnsmith-2026":       "email",
		// Guessable by a common base word, a year and a symbol; a keyboard walk.
		"Password1!":     "guess",
		"Welcome2026":    "guess",
		"Qwerty2024!":    "guess",
		"Summer2026!":    "guess",
		"P@ssw0rd2026":   "guess",
		"Johnsmith!2026": "email",
	}
	for pw, want := range weak {
		if got := checkPassword(pw, "johnsmith@example.com"); !strings.Contains(got, want) {
			t.Errorf("checkPassword(%q) = %q, want mention of %q", pw, got, want)
		}
	}
	// The user's own name counts as guessable too.
	if got := checkPassword("Lovelace2026!", "ada@example.com", "Ada Lovelace"); !strings.Contains(got, "guess") {
		t.Errorf("a password of the user's name: %q", got)
	}
	for _, good := range []string{"correct-horse-9", "a long passphrase of words only", "nephele-demo-2026", "Zx7!kq9#Lm2v", "Tr0ub4dor&3x"} {
		if got := checkPassword(good, "x@example.com"); got != "" {
			t.Errorf("checkPassword(%q) = %q", good, got)
		}
	}
}
