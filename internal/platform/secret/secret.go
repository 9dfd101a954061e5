// Package secret seals small secrets at rest (a subscription's service
// credentials) with AES-256-GCM under a keyring: one current key that
// seals, and older keys kept to open what they sealed until it is sealed
// again under the current one (key rotation).
//
// A sealed value is text: "nsk1.<key id>.<base64url(nonce|ciphertext)>".
// The key id is derived from the key itself, so rotating needs no id to be
// chosen by hand. Associated data (such as the owning row's id) binds a
// sealed value to its place: moved elsewhere, it no longer opens.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

const prefix = "nsk1."

// Errors of Open and of key parsing.
var (
	// ErrMalformed: the value is not a sealed value.
	ErrMalformed = errors.New("secret: malformed sealed value")
	// ErrUnknownKey: the value was sealed by a key the keyring lacks.
	ErrUnknownKey = errors.New("secret: sealed by a key not in the keyring")
	// ErrTampered: the value, or its associated data, was changed (or the
	// key with its id is not the one that sealed it).
	ErrTampered = errors.New("secret: sealed value fails authentication")
	// ErrBadKey: a key is not KeySize bytes of base64.
	ErrBadKey = fmt.Errorf("secret: a key is %d random bytes in base64 (generate one with: openssl rand -base64 32)", KeySize)
)

// Keyring seals with its current key and opens with any of its keys.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// New builds a keyring that seals with current and also opens values
// sealed by any of old.
func New(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for i, key := range append([][]byte{current}, old...) {
		if len(key) != KeySize {
			return nil, ErrBadKey
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(key)
		if i == 0 {
			k.current = id
		}
		k.aeads[id] = aead
	}
	return k, nil
}

// KeyID names a key in sealed values: the first 8 hex digits of its
// SHA-256, which do not reveal the key.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// ParseKey decodes a key written in base64 (standard or URL alphabet,
// padded or not), as NEPHELE_SECRET_KEY holds it.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, ErrBadKey
}

// ParseKeys decodes a comma-separated list of keys (empty: none).
func ParseKeys(s string) ([][]byte, error) {
	var out [][]byte
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, err := ParseKey(part)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// GenerateKey returns a new random key in standard base64.
func GenerateKey() (string, error) {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// CurrentKeyID is the id of the key that seals.
func (k *Keyring) CurrentKeyID() string { return k.current }

// CurrentPrefix is how every value the current key seals begins: a store
// can skip, without opening them, the values that need no sealing again.
func (k *Keyring) CurrentPrefix() string { return prefix + k.current + "." }

// Seal encrypts plain under the current key, bound to ad.
func (k *Keyring) Seal(plain, ad []byte) (string, error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return prefix + k.current + "." + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, ad)), nil
}

// Open decrypts a sealed value with the key that sealed it, checking it
// is bound to ad. Its errors are ErrMalformed, ErrUnknownKey and
// ErrTampered.
func (k *Keyring) Open(sealed string, ad []byte) ([]byte, error) {
	id, body, err := split(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrMalformed
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], ad)
	if err != nil {
		return nil, ErrTampered
	}
	return plain, nil
}

// IsSealed reports whether s has the form of a sealed value.
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }

// Stale reports whether a sealed value was sealed by a key other than the
// current one (it should be sealed again).
func (k *Keyring) Stale(sealed string) bool {
	id, _, err := split(sealed)
	return err == nil && id != k.current
}

func split(sealed string) (id, body string, err error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", "", ErrMalformed
	}
	id, body, ok = strings.Cut(rest, ".")
	if !ok || id == "" || body == "" {
		return "", "", ErrMalformed
	}
	return id, body, nil
}
