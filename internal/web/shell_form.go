package web

import (
	"net/url"
	"strings"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// Form is the state of one HTML form of a page: what was submitted and the
// errors found. Its input names are the service's field names
// (errs.FieldError.Field), so a field error lands next to its input with no
// mapping. A page that has not been submitted gets an empty Form, whose
// inputs show their default values.
type Form struct {
	// Name tells the forms of one page apart; it prefixes input ids.
	Name string
	// Submitted is true when the form is shown again after a refused post.
	Submitted bool
	Values    url.Values
	// Errors are the messages by field; a message completes the field's
	// label ("Name" + "is required").
	Errors map[string]string
	// Fields keeps the errors in the service's order, for the summary.
	Fields []errs.FieldError
	// Message is an error about the form as a whole ("Wrong email or
	// password"), shown above its inputs.
	Message string
}

// secretFields are never sent back to the browser.
var secretFields = map[string]bool{
	"password": true, "current_password": true, "new_password": true, "new_password_confirm": true, csrfField: true,
}

// newForm returns a submitted form with the values posted (secrets left
// out) and the field errors.
func newForm(posted url.Values, fields []errs.FieldError) *Form {
	f := &Form{Submitted: true, Values: url.Values{}, Errors: map[string]string{}, Fields: fields}
	for k, v := range posted {
		if !secretFields[k] {
			f.Values[k] = v
		}
	}
	for _, fe := range fields {
		if _, seen := f.Errors[fe.Field]; !seen {
			f.Errors[fe.Field] = fe.Message
		}
	}
	return f
}

// Value returns the submitted value of field, or def when the form was not
// submitted.
func (f *Form) Value(field, def string) string {
	if f.Submitted {
		return f.Values.Get(field)
	}
	return def
}

// Error returns the message of field, "" when it has none.
func (f *Form) Error(field string) string { return f.Errors[field] }

// HasErrors reports whether any field has an error.
func (f *Form) HasErrors() bool { return len(f.Fields) > 0 }

// Summary is the message shown above the inputs: the form's own message,
// or a pointer to the field errors.
func (f *Form) Summary() string {
	switch {
	case f.Message != "":
		return f.Message
	case len(f.Fields) == 1:
		return "Please correct the error below."
	case len(f.Fields) > 1:
		return "Please correct the errors below."
	}
	return ""
}

// Field describes one labelled input for the "field" template.
type Field struct {
	Form         string
	Name         string
	Label        string
	Type         string
	Value        string
	Error        string
	Autocomplete string
	Hint         string
	Required     bool
}

// ID is the input's id, unique on the page.
func (f Field) ID() string {
	id := f.Name
	if f.Form != "" {
		id = f.Form + "-" + id
	}
	return strings.ReplaceAll(id, "_", "-")
}

// Field returns the input name of type typ labelled label, with the
// submitted value or def, and the field's error. Secrets never get a value
// back.
func (f *Form) Field(name, label, typ, def, autocomplete string) Field {
	value := f.Value(name, def)
	if typ == "password" {
		value = ""
	}
	return Field{Form: f.Name, Name: name, Label: label, Type: typ, Value: value, Error: f.Error(name), Autocomplete: autocomplete}
}

// Req returns f marked required.
func (f Field) Req() Field { f.Required = true; return f }

// WithHint returns f with a help text under the label.
func (f Field) WithHint(hint string) Field { f.Hint = hint; return f }

// DescribedBy lists the ids of the hint and error of f, for
// aria-describedby.
func (f Field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID()+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID()+"-error")
	}
	return strings.Join(ids, " ")
}
