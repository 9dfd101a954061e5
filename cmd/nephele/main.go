// Command nephele runs the Nephele cloud commerce platform: the API, the web
// pages and the background workers in one process.
//
//	nephele serve     serve on the configured database (migrates first)
//	nephele demo      seed a demo marketplace, then serve
//	nephele migrate   apply database migrations and exit
//	nephele version   print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/nephele-cloud/nephele/internal/app"
	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, app.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "nephele:", err)
		os.Exit(1)
	}
}

const usage = `Usage: nephele <command> [flags]

Commands:
  serve     run the API, web pages and background workers (migrates first)
  demo      seed a demo marketplace (idempotent), then serve
  migrate   apply database migrations and exit
  version   print the version

Run "nephele <command> -h" for the flags of a command. Every flag also reads
a NEPHELE_* environment variable; see README.md.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "nephele", buildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve", "demo", "migrate":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if cmd == "demo" && getenv("NEPHELE_MARKETPLACE_NAME") == "" {
		rest = append([]string{"-marketplace-name", "Nephele Demo Marketplace"}, rest...)
	}
	cfg, err := app.ParseFlags("nephele "+cmd, rest, getenv, stderr)
	if err != nil {
		return err
	}
	cfg.Version = buildVersion()
	if cmd == "migrate" {
		return migrate(ctx, cfg, stdout)
	}
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	var logins []app.DemoLogin
	if cmd == "demo" {
		if logins, err = a.SeedDemo(ctx); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
	}
	return a.Run(ctx, nil, func(addr string) {
		if cmd == "demo" {
			app.PrintDemo(stdout, "http://"+addr, logins)
		}
		if a.TestClock != nil {
			fmt.Fprintf(stdout, "Test clock at %s: move it with POST http://%s/api/v1/test-clock/advance {\"to\": \"...\"} (administrators)\n\n",
				a.TestClock.Now().Format(time.RFC3339), addr)
		}
	})
}

func migrate(ctx context.Context, cfg app.Config, stdout io.Writer) error {
	d, err := db.Open(ctx, db.Config{URL: cfg.DatabaseURL})
	if err != nil {
		return err
	}
	defer d.Close()
	applied, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	v, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "%s database %s is up to date (version %d)\n", d.Engine(), d, v)
		return nil
	}
	parts := make([]string, len(applied))
	for i, v := range applied {
		parts[i] = fmt.Sprint(v)
	}
	fmt.Fprintf(stdout, "%s database %s migrated to version %d (applied %s)\n", d.Engine(), d, v, strings.Join(parts, ", "))
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		v := info.Main.Version
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
		if v != "" && v != "(devel)" {
			return v
		}
	}
	return "dev"
}
