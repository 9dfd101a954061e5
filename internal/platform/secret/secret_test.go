package secret_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nephele-cloud/nephele/internal/platform/secret"
)

func key(t *testing.T) []byte {
	t.Helper()
	s, err := secret.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := secret.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func ring(t *testing.T, current []byte, old ...[]byte) *secret.Keyring {
	t.Helper()
	k, err := secret.New(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := ring(t, key(t))
	plain := []byte(`{"password":"hunter2 \" ünïcode"}`)
	sealed, err := k.Seal(plain, []byte("sub_1"))
	if err != nil {
		t.Fatal(err)
	}
	if !secret.IsSealed(sealed) || strings.Contains(sealed, "hunter2") {
		t.Fatalf("sealed value %q", sealed)
	}
	again, _ := k.Seal(plain, []byte("sub_1"))
	if again == sealed {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	got, err := k.Open(sealed, []byte("sub_1"))
	if err != nil || string(got) != string(plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
}

func TestOpenRefusesWrongKeyTamperingAndMoves(t *testing.T) {
	t.Parallel()
	k := ring(t, key(t))
	sealed, err := k.Seal([]byte("secret"), []byte("sub_1"))
	if err != nil {
		t.Fatal(err)
	}
	// Another keyring does not know the key.
	if _, err := ring(t, key(t)).Open(sealed, []byte("sub_1")); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("wrong key: %v", err)
	}
	// A flipped character of the ciphertext fails authentication.
	b := []byte(sealed)
	i := len(b) - 5
	b[i] = map[bool]byte{true: 'A', false: 'B'}[b[i] != 'A']
	if _, err := k.Open(string(b), []byte("sub_1")); !errors.Is(err, secret.ErrTampered) {
		t.Fatalf("tampered: %v", err)
	}
	// Moved to another row (other associated data), it does not open.
	if _, err := k.Open(sealed, []byte("sub_2")); !errors.Is(err, secret.ErrTampered) {
		t.Fatalf("moved: %v", err)
	}
	for _, bad := range []string{"", `{"a":"b"}`, "nsk1.", "nsk1.abcd", "nsk1.abcd.!!!", "nsk1." + k.CurrentKeyID() + ".AAAA"} {
		if _, err := k.Open(bad, nil); err == nil {
			t.Fatalf("%q opened", bad)
		}
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldKey, newKey := key(t), key(t)
	before := ring(t, oldKey)
	sealed, err := before.Seal([]byte("secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// After rotation the new keyring opens the old value, reports it
	// stale, and seals again under the new key only.
	after := ring(t, newKey, oldKey)
	got, err := after.Open(sealed, nil)
	if err != nil || string(got) != "secret" || !after.Stale(sealed) {
		t.Fatalf("open old = %q, %v, stale %v", got, err, after.Stale(sealed))
	}
	resealed, err := after.Seal(got, nil)
	if err != nil || after.Stale(resealed) || !strings.Contains(resealed, "."+secret.KeyID(newKey)+".") {
		t.Fatalf("resealed %q, %v", resealed, err)
	}
	if _, err := before.Open(resealed, nil); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("the old keyring opened the new value: %v", err)
	}
	// Once the old key is dropped, what it sealed no longer opens.
	if _, err := ring(t, newKey).Open(sealed, nil); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("dropped key: %v", err)
	}
}

func TestKeysMustBe32Base64Bytes(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "short", "c2hvcnQ=", strings.Repeat("A", 60)} {
		if _, err := secret.ParseKey(bad); !errors.Is(err, secret.ErrBadKey) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := secret.New(make([]byte, 16)); !errors.Is(err, secret.ErrBadKey) {
		t.Fatalf("16-byte key: %v", err)
	}
	keys, err := secret.ParseKeys(" , ")
	if err != nil || len(keys) != 0 {
		t.Fatalf("empty list: %v %v", keys, err)
	}
}
