package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nephele-cloud/nephele/internal/identity/identitytest"
)

// browser is headless Chromium driven through chromedp for one test, with
// the helpers every browser test uses: steps that fail the test with the
// page's text, waiting for text, and screenshots at every viewport.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	// dirs receive the screenshots: the test's temp dir, and a fixed
	// directory people look at after a run.
	dirs []string
}

// newBrowser starts Chromium (failing or skipping as chromium does) for a
// server at base, with screenshots also saved under shotsDir.
func newBrowser(t *testing.T, base, shotsDir string) *browser {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800))
	parent, cancelTimeout := context.WithTimeout(t.Context(), 4*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc(); cancelTimeout() })
	// Start the browser on ctx itself: a browser started on a step's
	// timeout context would stop with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := os.MkdirAll(shotsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, base: base, dirs: []string{t.TempDir(), shotsDir}}
	t.Cleanup(func() { t.Logf("screenshots in %s", strings.Join(b.dirs, " and ")) })
	return b
}

// do runs the actions of one step; a failure ends the test with where the
// browser was and what the page said.
func (b *browser) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
		b.t.Fatalf("%s: %v (at %s)\n%s", step, err, loc, body)
	}
}

// text is the text of the first element sel matches, spaces collapsed.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// waitText waits until the text of sel contains want.
func (b *browser) waitText(step, sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
		got = strings.Join(strings.Fields(got), " ")
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %s says %q, want %q", step, sel, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot saves a full-page screenshot of the page at every viewport.
func (b *browser) shot(name string) {
	b.t.Helper()
	for _, vp := range viewports {
		var emulate []chromedp.EmulateViewportOption
		if vp.mobile {
			emulate = append(emulate, chromedp.EmulateMobile)
		}
		b.do("viewport "+vp.name, chromedp.EmulateViewport(vp.width, vp.height, emulate...))
		// Nothing may stick out sideways on a phone.
		if vp.mobile {
			wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
			if err != nil || wide {
				b.t.Errorf("%s overflows the phone's width (%v)", name, err)
			}
		}
		buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		file := fmt.Sprintf("%s-%s.png", name, vp.name)
		for _, d := range b.dirs {
			if err := os.WriteFile(filepath.Join(d, file), buf, 0o644); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	b.do("viewport reset", chromedp.EmulateViewport(1280, 800))
}

// signIn signs email in through the sign-in form (the fixture password
// unless password is given) and waits for the page after it.
func (b *browser) signIn(email string, password ...string) {
	b.t.Helper()
	pw := identitytest.Password
	if len(password) > 0 {
		pw = password[0]
	}
	b.do("sign in as "+email, chromedp.Navigate(b.base+"/login"), chromedp.WaitVisible(chromedp.ID("login-email")),
		chromedp.SendKeys(chromedp.ID("login-email"), email), chromedp.SendKeys(chromedp.ID("login-password"), pw),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitNotPresent(chromedp.ID("login-password")))
}

// signOut ends the session through the header's button.
func (b *browser) signOut() {
	b.t.Helper()
	b.do("sign out", chromedp.Click(chromedp.CSS(`.user-menu button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("login-title")))
}
