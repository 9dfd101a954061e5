// Package internal_test holds the tests of the code's shape: the one-way
// import graph of ARCHITECTURE.md and the house rules that a reviewer
// would otherwise have to remember.
package internal_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/nephele-cloud/nephele"

// layers places every package of the module in the import graph. A package
// may import packages of strictly lower layers, and its own subpackages (or
// its parent, for helper subpackages like identitytest). Nothing imports
// upwards or sideways; platform imports only platform.
//
//	0 platform/*          domain-free leaves
//	1 audit, ledger, pricing  the audit log and settlement ledger recorders; the pure pricing engine
//	2 identity            organizations, users, roles; every domain authorizes through it
//	3 catalog
//	4 channel
//	5 subscription        orders and subscriptions (one package: an order makes or changes a subscription)
//	6 billing
//	7 payment, provisioning, metering, notify, report
//	8 jobs, api, web; services (builds the domain services and wires them to each other)
//	9 app                 the composition root: the process (queue, API, pages, workers) over services
//
// One exception: a _test.go file of any layer may import the test world,
// services/servicestest, which builds every domain service as the process
// does. Tests of a lower domain then run against the real wiring.
//
//	10 cmd/*
var layers = map[string]int{
	"internal/platform":     0,
	"internal/audit":        1,
	"internal/ledger":       1,
	"internal/identity":     2,
	"internal/catalog":      3,
	"internal/pricing":      1,
	"internal/channel":      4,
	"internal/subscription": 5,
	"internal/billing":      6,
	"internal/payment":      7,
	"internal/provisioning": 7,
	"internal/metering":     7,
	"internal/notify":       7,
	"internal/report":       7,
	"internal/jobs":         8,
	"internal/api":          8,
	"internal/web":          8,
	"internal/services":     8,
	"internal/app":          9,
	"cmd":                   10,
	"internal":              -1, // this test
}

// unit returns the layer key of a package path relative to the module: the
// longest key that prefixes it.
func unit(rel string) (string, bool) {
	best := ""
	for k := range layers {
		if k == "internal" && rel != k {
			continue // the layout test's own package only
		}
		if (rel == k || strings.HasPrefix(rel, k+"/")) && len(k) > len(best) {
			best = k
		}
	}
	return best, best != ""
}

// top returns the top-level package of a unit member: internal/identity for
// internal/identity/identitytest; for platform, the leaf itself.
func top(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) >= 3 && parts[1] == "platform" {
		return strings.Join(parts[:3], "/")
	}
	if len(parts) >= 2 {
		return strings.Join(parts[:2], "/")
	}
	return rel
}

type imp struct{ from, to, file string }

// testWorld is the package every layer's tests may import.
const testWorld = "internal/services/servicestest"

func moduleImports(t *testing.T) []imp {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var out []imp
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "nephele-data") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			if strings.HasPrefix(p, module+"/") {
				out = append(out, imp{from: rel, to: strings.TrimPrefix(p, module+"/"), file: path})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportGraphIsOneWay(t *testing.T) {
	t.Parallel()
	for _, v := range violations(moduleImports(t)) {
		t.Error(v)
	}
}

// The checker itself catches the mistakes it is for.
func TestImportGraphCheckerCatchesViolations(t *testing.T) {
	t.Parallel()
	cases := []imp{
		{from: "internal/identity", to: "internal/api"},           // a domain importing the API
		{from: "internal/catalog", to: "internal/web"},            // ... or the web
		{from: "internal/billing", to: "internal/jobs"},           // ... or jobs
		{from: "internal/subscription", to: "internal/app"},       // ... or the composition root
		{from: "internal/platform/db", to: "internal/identity"},   // platform importing a domain
		{from: "internal/pricing", to: "internal/audit"},          // sideways
		{from: "internal/identity", to: "internal/subscription"},  // upwards
		{from: "internal/newthing", to: "internal/platform/errs"}, // unplaced package
		{from: "internal/billing", to: testWorld, file: "run.go"}, // the test world outside a test
	}
	for _, c := range cases {
		if len(violations([]imp{c})) == 0 {
			t.Errorf("%s -> %s not reported", c.from, c.to)
		}
	}
	for _, ok := range []imp{
		{from: "internal/api", to: "internal/identity"},
		{from: "internal/identity/identitytest", to: "internal/identity"},
		{from: "internal/platform/outbox", to: "internal/platform/db"},
		{from: "cmd/nephele", to: "internal/app"},
		{from: "internal/catalog", to: testWorld, file: "catalog_test.go"},
	} {
		if v := violations([]imp{ok}); len(v) != 0 {
			t.Errorf("legal import reported: %v", v)
		}
	}
}

func violations(imps []imp) []string {
	var out []string
	for _, i := range imps {
		fu, ok := unit(i.from)
		if !ok {
			out = append(out, "package "+i.from+" has no layer: add it to layers in internal/layout_test.go")
			continue
		}
		tu, ok := unit(i.to)
		if !ok {
			out = append(out, "package "+i.to+" has no layer: add it to layers in internal/layout_test.go")
			continue
		}
		if fu == "internal" || (strings.HasSuffix(i.file, "_test.go") && i.to == testWorld) {
			continue
		}
		fl, tl := layers[fu], layers[tu]
		switch {
		case fu == "internal/platform" && tu != "internal/platform":
			out = append(out, i.from+" imports "+i.to+": platform must not import a domain")
		case top(i.from) == top(i.to):
			// a package and its own subpackages (identity/identitytest, db/dbtest)
		case fl <= tl && fu != "internal/platform":
			out = append(out, i.from+" (layer "+strconv.Itoa(fl)+") imports "+i.to+" (layer "+strconv.Itoa(tl)+"): imports must point to lower layers ("+i.file+")")
		}
	}
	return out
}

// No package is a grab bag: names say what a package is about.
func TestNoGrabBagPackages(t *testing.T) {
	t.Parallel()
	banned := map[string]bool{"util": true, "utils": true, "common": true, "models": true, "helpers": true, "misc": true, "interfaces": true, "types": true, "shared": true}
	seen := map[string]bool{}
	for _, i := range moduleImports(t) {
		for _, p := range []string{i.from, i.to} {
			if seen[p] {
				continue
			}
			seen[p] = true
			if banned[filepath.Base(p)] {
				t.Errorf("package %s: name packages after what they provide", p)
			}
		}
	}
}

// Business time comes from the injected clock only.
func TestNoWallClockOutsideTheClockPackage(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("..")
	var bad []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		if strings.Contains(filepath.ToSlash(path), "/internal/platform/clock/") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for n, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "time.Now()") || strings.Contains(line, "time.Since(") || strings.Contains(line, "time.Until(") {
				rel, _ := filepath.Rel(root, path)
				bad = append(bad, rel+":"+strconv.Itoa(n+1))
			}
		}
		return nil
	})
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s reads the wall clock: use the injected clock.Clock (or clock.Stopwatch for latencies)", b)
	}
}
