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
	return c, c.normalize()
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
