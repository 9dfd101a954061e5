package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"sort"
	"strings"
)

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded assets under /static/. Their URLs carry a
// version (a hash of every asset), so they can be cached for a year and a
// new release is fetched at once.
type staticFiles struct {
	files   fs.FS
	version string
}

func loadStatic() (staticFiles, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return staticFiles{}, err
	}
	var names []string
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return staticFiles{}, err
	}
	sort.Strings(names)
	sum := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(sub, n)
		if err != nil {
			return staticFiles{}, err
		}
		sum.Write([]byte(n))
		sum.Write(b)
	}
	return staticFiles{files: sub, version: hex.EncodeToString(sum.Sum(nil))[:12]}, nil
}

// url returns the versioned URL of asset name ("app.css").
func (s staticFiles) url(name string) string {
	return "/static/" + name + "?v=" + s.version
}

// serveStatic serves the assets with a long cache lifetime; anything
// missing (or a directory) gets the HTML 404 page.
func (h *handler) serveStatic() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(h.static.files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if st, err := fs.Stat(h.static.files, name); err != nil || st.IsDir() || !fs.ValidPath(name) {
			h.errorPage(w, r, http.StatusNotFound, "")
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(w, r)
	})
}
