package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"
)

// HashParams are the argon2id cost parameters for new password hashes.
// Verification reads the parameters stored in each hash, so raising them
// only affects hashes made afterwards.
type HashParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultHashParams follow OWASP's argon2id minimum (19 MiB, 2 passes, 1
// lane): about 30 ms per hash on a small server.
var DefaultHashParams = HashParams{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// hashPassword returns an encoded argon2id hash:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func hashPassword(password string, p HashParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// verifyPassword reports whether password matches the encoded hash, in time
// independent of where they differ.
func verifyPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var p HashParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false
	}
	if p.MemoryKiB == 0 || p.MemoryKiB > 1<<21 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// minGuessScore is the zxcvbn score (0-4) a new password must reach: 3
// means about 10^8 guesses or more by zxcvbn's estimate, out of reach of
// an online attack behind the sign-in throttle and costly offline against
// argon2id. zxcvbn knows the common and breached passwords, words, names,
// keyboard walks, dates and l33t substitutions, and is given the user's
// own e-mail and name.
const minGuessScore = 3

// checkPassword returns a message describing why password is too weak, or
// "" when it is acceptable: 10 to 128 characters, letters and digits (or
// 16+ characters of anything), not mostly one character, not containing
// the email's local part, and not guessable (see minGuessScore) from
// common passwords, words, patterns and the user's own details
// (userInputs: the name, typically).
func checkPassword(password, email string, userInputs ...string) string {
	n := utf8.RuneCountInString(password)
	if n < 10 {
		return "must be at least 10 characters"
	}
	if n > 128 {
		return "must be at most 128 characters"
	}
	var letter, digit bool
	counts := map[rune]int{}
	for _, r := range password {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
		counts[r]++
	}
	if n < 16 && !(letter && digit) {
		return "must mix letters with digits or symbols (or be at least 16 characters)"
	}
	if len(counts) < 5 {
		return "uses too few different characters"
	}
	lower := strings.ToLower(password)
	local, domain, _ := strings.Cut(strings.ToLower(email), "@")
	if len(local) >= 4 && strings.Contains(lower, local) {
		return "must not contain your email address"
	}
	inputs := []string{email, local, domain}
	for _, in := range userInputs {
		inputs = append(inputs, strings.Fields(strings.ToLower(in))...)
	}
	if zxcvbn.PasswordStrength(password, inputs).Score < minGuessScore {
		return "is too easy to guess (a common password, word or pattern); a few unrelated words make a strong one"
	}
	return ""
}
