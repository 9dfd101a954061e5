package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Flash kinds, styled differently and announced differently (an error is
// an alert, the others a status).
const (
	flashSuccess = "success"
	flashInfo    = "info"
	flashError   = "error"
)

// flash is a one-shot message shown on the next page rendered, typically
// after a redirect. It is plain text: templates escape it like everything
// else.
type flash struct {
	Kind    string `json:"k"`
	Message string `json:"m"`
}

// maxFlash bounds a message so the cookie stays small.
const maxFlash = 500

// setFlash stores a message for the next page in a short-lived cookie.
func setFlash(w http.ResponseWriter, secure bool, kind, message string) {
	if len(message) > maxFlash {
		message = message[:maxFlash]
	}
	b, _ := json.Marshal(flash{Kind: kind, Message: strings.ToValidUTF8(message, "")})
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: 60, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

type pendingFlashKey struct{}

// withPendingFlash returns r carrying a message for the page rendered in
// this very response.
func withPendingFlash(r *http.Request, f flash) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), pendingFlashKey{}, f))
}

// takeFlash returns the message for this page, if any, and clears its
// cookie. An unreadable cookie is dropped.
func takeFlash(w http.ResponseWriter, r *http.Request, secure bool) *flash {
	var out *flash
	if f, ok := r.Context().Value(pendingFlashKey{}).(flash); ok {
		out = &f
	}
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return out
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode})
	if out != nil {
		return out
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	var f flash
	if err != nil || json.Unmarshal(b, &f) != nil || f.Message == "" {
		return nil
	}
	switch f.Kind {
	case flashSuccess, flashInfo, flashError:
	default:
		f.Kind = flashInfo
	}
	return &f
}

// sentence turns a service message ("a supervisor's impersonation is
// read-only") into a sentence for a flash message.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	r, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[size:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "!") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}
