package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/secret"
)

// Config is everything a nephele process is told at start. Every setting has
// a flag and a NEPHELE_* environment variable; a flag wins over the variable.
type Config struct {
	// Addr is the listen address (NEPHELE_ADDR).
	Addr string
	// DataDir holds the embedded SQLite database and other local files
	// (NEPHELE_DATA_DIR).
	DataDir string
	// DatabaseURL selects the engine: sqlite:<path> or postgres://...
	// (NEPHELE_DATABASE_URL). Empty means SQLite in DataDir.
	DatabaseURL string
	// BootstrapAdmin is "email:password" for the first super admin
	// (NEPHELE_BOOTSTRAP_ADMIN), created when the installation has none.
	BootstrapAdmin string
	// MarketplaceName names a new installation's operator organization.
	MarketplaceName string
	// LogFormat is json (default) or text; LogLevel debug, info, warn, error.
	LogFormat string
	LogLevel  string
	// InsecureCookies drops the Secure flag from cookies, for plain-HTTP
	// access from another machine during evaluation. Browsers accept Secure
	// cookies from http://localhost and http://127.0.0.1 anyway.
	InsecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	// Workers is the number of background jobs worked at once; 0 makes the
	// process serve requests only (NEPHELE_WORKERS, default 10).
	Workers int
	// TestClock runs the platform on a settable clock with the test-clock
	// API (NEPHELE_TEST_CLOCK): for integration tests and demos, never
	// production.
	TestClock bool
	// SecretKey seals secrets at rest, such as subscription credentials
	// (NEPHELE_SECRET_KEY, environment only): 32 random bytes in base64.
	// Serving needs one; the demo and test-clock modes keep one in the
	// data directory (secret.key), made on first start.
	SecretKey string
	// OldSecretKeys are the keys SecretKey replaced, comma-separated
	// (NEPHELE_SECRET_KEYS_OLD): they only open what they sealed, which
	// is sealed again under SecretKey at start.
	OldSecretKeys string
	// Version is the build version, set by main.
	Version string
}

// Defaults.
const (
	DefaultAddr    = "127.0.0.1:8080"
	DefaultDataDir = "nephele-data"
)

// ParseFlags reads the configuration of a serving command from args and the
// environment (getenv, usually os.Getenv).
func ParseFlags(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	envBool := func(key string) bool {
		b, _ := strconv.ParseBool(getenv(key))
		return b
	}
	var c Config
	fs.StringVar(&c.Addr, "addr", env("NEPHELE_ADDR", DefaultAddr), "listen address (NEPHELE_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", env("NEPHELE_DATA_DIR", DefaultDataDir), "directory for the embedded database and local files (NEPHELE_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", getenv("NEPHELE_DATABASE_URL"), "sqlite:<path> or postgres://... (NEPHELE_DATABASE_URL; default: SQLite in the data directory)")
	fs.StringVar(&c.MarketplaceName, "marketplace-name", env("NEPHELE_MARKETPLACE_NAME", "Nephele Marketplace"), "name of a new installation's marketplace (NEPHELE_MARKETPLACE_NAME)")
	fs.StringVar(&c.LogFormat, "log-format", env("NEPHELE_LOG_FORMAT", "json"), "log format: json or text (NEPHELE_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env("NEPHELE_LOG_LEVEL", "info"), "log level: debug, info, warn, error (NEPHELE_LOG_LEVEL)")
	fs.BoolVar(&c.InsecureCookies, "insecure-cookies", envBool("NEPHELE_INSECURE_COOKIES"), "send cookies without the Secure flag, for plain HTTP beyond localhost (NEPHELE_INSECURE_COOKIES)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", envBool("NEPHELE_TRUST_PROXY"), "take client addresses from X-Forwarded-For (NEPHELE_TRUST_PROXY)")
	fs.BoolVar(&c.TestClock, "test-clock", envBool("NEPHELE_TEST_CLOCK"), "run on a settable clock with POST /api/v1/test-clock/advance; never in production (NEPHELE_TEST_CLOCK)")
	workers, err := strconv.Atoi(env("NEPHELE_WORKERS", "10"))
	if err != nil {
		return c, fmt.Errorf("NEPHELE_WORKERS: %w", err)
	}
	fs.IntVar(&c.Workers, "workers", workers, "background jobs worked at once; 0 serves requests only (NEPHELE_WORKERS)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.BootstrapAdmin = getenv("NEPHELE_BOOTSTRAP_ADMIN")
	c.SecretKey, c.OldSecretKeys = getenv("NEPHELE_SECRET_KEY"), getenv("NEPHELE_SECRET_KEYS_OLD")
	if err := c.normalize(); err != nil {
		return c, err
	}
	return c, c.secretKey(name)
}

// secretKeyFile is where the demo and test-clock modes keep their key.
const secretKeyFile = "secret.key"

// secretKey checks the secret key of a serving command (name is "nephele
// serve", "nephele demo", ...): serve needs NEPHELE_SECRET_KEY; the demo
// and the test clock, when none is set, read the one in the data
// directory, made there on first start; migrate needs none.
func (c *Config) secretKey(name string) error {
	if c.SecretKey == "" {
		switch {
		case strings.HasSuffix(name, " migrate"):
			return nil
		case strings.HasSuffix(name, " demo") || c.TestClock:
			key, err := demoSecretKey(filepath.Join(c.DataDir, secretKeyFile))
			if err != nil {
				return err
			}
			c.SecretKey = key
		default:
			return errors.New("NEPHELE_SECRET_KEY is not set: it seals secrets at rest (subscription credentials); " +
				"generate one with `openssl rand -base64 32`, keep it safe, and set it on every process (see README.md, Secret key)")
		}
	}
	_, err := c.keyring()
	return err
}

// demoSecretKey reads the key kept at path, making it on first use.
func demoSecretKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("secret key: %w", err)
	}
	key, err := secret.GenerateKey()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	// Written aside, then linked into place: of two processes starting at
	// once, one key wins whole and both read it.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*")
	if err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(key + "\n"); err != nil {
		tmp.Close()
		return "", fmt.Errorf("secret key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("secret key: %w", err)
	}
	return demoSecretKey(path)
}

// keyring builds the keyring of SecretKey and OldSecretKeys (nil when no
// key is set: tests that build a Config by hand).
func (c *Config) keyring() (*secret.Keyring, error) {
	if c.SecretKey == "" {
		return nil, nil
	}
	current, err := secret.ParseKey(c.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("NEPHELE_SECRET_KEY: %w", err)
	}
	old, err := secret.ParseKeys(c.OldSecretKeys)
	if err != nil {
		return nil, fmt.Errorf("NEPHELE_SECRET_KEYS_OLD: %w", err)
	}
	return secret.New(current, old...)
}

func (c *Config) normalize() error {
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "nephele.db")
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		return fmt.Errorf("log format %q: want json or text", c.LogFormat)
	}
	if c.Workers < 0 {
		return errors.New("workers must not be negative")
	}
	if c.BootstrapAdmin != "" && !strings.Contains(c.BootstrapAdmin, ":") {
		return errors.New("NEPHELE_BOOTSTRAP_ADMIN: want email:password")
	}
	return nil
}

// Getenv is os.Getenv, for main.
var Getenv = os.Getenv
