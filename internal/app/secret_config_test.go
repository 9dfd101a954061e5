package app_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/platform/secret"
)

func getenv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// Serving without NEPHELE_SECRET_KEY fails loudly; the demo (and the test
// clock) make a key in the data directory once and reuse it; a bad key,
// current or old, is refused; migrating needs none.
func TestSecretKeyConfiguration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flags := []string{"-data-dir", dir}
	_, err := app.ParseFlags("nephele serve", flags, getenv(nil), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "NEPHELE_SECRET_KEY is not set") {
		t.Fatalf("serve without a key: %v", err)
	}
	if _, err := app.ParseFlags("nephele migrate", flags, getenv(nil), io.Discard); err != nil {
		t.Fatalf("migrate without a key: %v", err)
	}

	demo, err := app.ParseFlags("nephele demo", flags, getenv(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("demo key file: %v %v", fi, err)
	}
	if _, err := secret.ParseKey(demo.SecretKey); err != nil {
		t.Fatalf("demo key %q: %v", demo.SecretKey, err)
	}
	again, err := app.ParseFlags("nephele demo", flags, getenv(nil), io.Discard)
	if err != nil || again.SecretKey != demo.SecretKey {
		t.Fatalf("second demo start: key %q, %v; want the first one reused", again.SecretKey, err)
	}
	clocked, err := app.ParseFlags("nephele serve", append(flags, "-test-clock"), getenv(nil), io.Discard)
	if err != nil || clocked.SecretKey != demo.SecretKey {
		t.Fatalf("test-clock server: key %q, %v", clocked.SecretKey, err)
	}

	key, _ := secret.GenerateKey()
	old, _ := secret.GenerateKey()
	if _, err := app.ParseFlags("nephele serve", flags, getenv(map[string]string{"NEPHELE_SECRET_KEY": key, "NEPHELE_SECRET_KEYS_OLD": old + ", " + demo.SecretKey}), io.Discard); err != nil {
		t.Fatalf("serve with a key and old keys: %v", err)
	}
	for name, vars := range map[string]map[string]string{
		"short key": {"NEPHELE_SECRET_KEY": "c2hvcnQ="},
		"bad old":   {"NEPHELE_SECRET_KEY": key, "NEPHELE_SECRET_KEYS_OLD": "not-a-key"},
	} {
		if _, err := app.ParseFlags("nephele serve", flags, getenv(vars), io.Discard); err == nil || !strings.Contains(err.Error(), "NEPHELE_SECRET_KEY") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
