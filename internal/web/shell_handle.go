package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// pageFunc serves one route. A page fills v and calls h.render; a form
// handler calls a service and then h.done (success), h.formFailed (an error
// to show on the form) or returns the error. A returned error becomes an
// error page: 404 for not found, 403 for forbidden, a redirect to sign-in
// for unauthenticated, a logged 500 for anything unexpected.
type pageFunc func(w http.ResponseWriter, r *http.Request, v *view) error

// maxFormBytes bounds a form body.
const maxFormBytes = 64 << 10

// public serves a page anyone may open.
func (h *handler) public(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.run(w, r, fn)
	})
}

// user serves a page for signed-in users; others are sent to sign in and
// brought back afterwards.
func (h *handler) user(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r) == nil {
			h.toLogin(w, r)
			return
		}
		h.run(w, r, fn)
	})
}

// form serves a state-changing POST of a signed-in user: the body is
// limited and parsed, and the session's CSRF token must match, else the
// answer is a 403 page and nothing happens.
func (h *handler) form(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := currentUser(r)
		if s == nil {
			h.toLogin(w, r)
			return
		}
		if !h.parseForm(w, r) {
			return
		}
		if !validSessionToken(r, s) {
			h.csrfRefused(w, r)
			return
		}
		h.run(w, r, fn)
	})
}

// upload serves a state-changing POST that may carry a file
// (multipart/form-data) or not (urlencoded): like h.form — a signed-in
// user, the session's CSRF token — with a body limit fit for the file;
// tooLarge says what is too large when the body passes it.
func (h *handler) upload(limit int64, tooLarge string, fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := currentUser(r)
		if s == nil {
			h.toLogin(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = r.ParseMultipartForm(1 << 20)
			if r.MultipartForm != nil {
				defer func() { _ = r.MultipartForm.RemoveAll() }()
			}
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				h.errorPage(w, r, http.StatusRequestEntityTooLarge, tooLarge)
				return
			}
			h.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
			return
		}
		if !validSessionToken(r, s) {
			h.csrfRefused(w, r)
			return
		}
		h.run(w, r, fn)
	})
}

// loginForm serves the sign-in POST, checked with the double-submit token.
func (h *handler) loginForm(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.parseForm(w, r) {
			return
		}
		if !validLoginToken(r) {
			h.csrfRefused(w, r)
			return
		}
		h.run(w, r, fn)
	})
}

// logoutForm serves the sign-out POST: like form, except that an anonymous
// request just lands on the sign-in page (there is nothing to end).
func (h *handler) logoutForm(fn pageFunc) http.Handler {
	checked := h.form(fn)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if currentUser(r) == nil {
			h.clearCookie(w, sessionCookie)
			h.clearCookie(w, adminCookie)
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		checked.ServeHTTP(w, r)
	})
}

func (h *handler) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return false
	}
	return true
}

func (h *handler) csrfRefused(w http.ResponseWriter, r *http.Request) {
	h.log.WarnContext(r.Context(), "csrf token mismatch", "path", r.URL.Path, "request_id", requestID(r))
	h.errorPage(w, r, http.StatusForbidden,
		"The form was out of date or did not come from this site. Go back, reload the page and try again.")
}

// run calls fn with a fresh view and turns its error into an error page.
func (h *handler) run(w http.ResponseWriter, r *http.Request, fn pageFunc) {
	if err := fn(w, r, h.newView(r)); err != nil {
		h.fail(w, r, err)
	}
}

// fail answers err as an error page (or a redirect to sign in).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	err = notFoundID(err)
	e, ok := errs.Public(err) // an unclassified overflow is amount_too_large (422)
	if !ok || e.Kind == errs.KindInternal {
		h.internalError(w, r, err)
		return
	}
	if errs.Overflowed(err) {
		h.log.ErrorContext(r.Context(), "amount too large", "request_id", requestID(r), "path", r.URL.Path, "err", err)
	}
	switch e.Kind {
	case errs.KindUnauthenticated:
		h.toLogin(w, r)
	case errs.KindNotFound:
		h.errorPage(w, r, http.StatusNotFound, "")
	default:
		h.errorPage(w, r, errs.Status(e.Kind), sentence(e.Message))
	}
}

// internalError logs err with the request id and shows a page that reveals
// nothing of it.
func (h *handler) internalError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.ErrorContext(r.Context(), "internal error", "request_id", requestID(r), "path", r.URL.Path, "err", err)
	h.errorPage(w, r, http.StatusInternalServerError, "")
}

// toLogin sends the browser to sign in, coming back to the page it asked
// for (GET only: a form post cannot be replayed).
func (h *handler) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// done ends a successful form post: a flash message and a 303 redirect to
// the page to show next (post/redirect/get).
func (h *handler) done(w http.ResponseWriter, r *http.Request, to, message string) error {
	if message != "" {
		setFlash(w, h.secure, flashSuccess, message)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// codeFields names the input that a domain error code without field
// errors is about, so it is shown next to that input.
var codeFields = map[string]string{
	"email_taken": "email",
}

// formFailed shows a service's refusal of form name. Errors about fields
// (validation, or a code listed in codeFields) re-render the page with the
// submitted values and the messages next to the inputs, with status 422.
// Any other domain refusal (forbidden, a failed precondition, a conflict)
// becomes an error flash on the page back. Something the user may not see
// (not found, or a malformed id) answers the not-found page, as its GET
// does. Unexpected errors are returned for the caller to return, so they
// become a 500 page.
func (h *handler) formFailed(w http.ResponseWriter, r *http.Request, v *view, name string, err error, back string, page pageFunc) error {
	err = notFoundID(err)
	if errs.KindOf(err) == errs.KindNotFound {
		return err // what the user may not see is not there, for a post as for its page
	}
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindUnauthenticated {
		return err
	}
	fields := e.Fields
	if f, ok := codeFields[e.Code]; ok && len(fields) == 0 {
		fields = []errs.FieldError{{Field: f, Code: e.Code, Message: e.Message}}
	}
	if len(fields) > 0 {
		v.setForm(name, newForm(r.PostForm, fields))
		v.Status = http.StatusUnprocessableEntity
		return page(w, r, v)
	}
	return h.refused(w, r, err, back)
}

// refused shows a service's refusal of a form post as an error flash on the
// page back. Unexpected errors (and unauthenticated ones) are returned for
// the caller to return.
func (h *handler) refused(w http.ResponseWriter, r *http.Request, err error, back string) error {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindUnauthenticated {
		return err
	}
	setFlash(w, h.secure, flashError, sentence(e.Message))
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// notFoundID turns a service's refusal of a malformed id (the only field
// in error is "id") into not found: a page's id comes from its path, and
// a page of an id that cannot exist is not there.
func notFoundID(err error) error {
	if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid && len(e.Fields) == 1 && e.Fields[0].Field == "id" {
		return errs.NotFound("not_found", "no such page")
	}
	return err
}

// orgOf is the signed-in user's organization.
func orgOf(r *http.Request) string { return currentUser(r).Actor.OrgID }

// may reports whether the signed-in user's role holds f.
func may(r *http.Request, f identity.Function) bool {
	s := currentUser(r)
	return s != nil && identity.Can(identity.Role(s.Actor.Role), f)
}

// sendFile answers a download: body as an attachment named name, never
// cached (documents are private). The name, which a user may have chosen
// (a deposit slip's), is encoded by mime.FormatMediaType, and nosniff keeps
// browsers to the declared type even without the pages' middleware.
func sendFile(w http.ResponseWriter, r *http.Request, ctype, name string, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("X-Content-Type-Options", "nosniff")
	cd := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if cd == "" {
		cd = "attachment"
	}
	hd.Set("Content-Disposition", cd)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	hd.Set("Cache-Control", "private, no-store")
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
