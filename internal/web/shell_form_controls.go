package web

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The onboarding forms (products, plans, extra resources, metrics, coupons)
// are larger than the account forms: selects, text areas, check boxes and
// rows that repeat (FAQ entries, a scheme's ranges). Their inputs are
// resolved in Go into formControls (value, error, options), so the templates
// only lay them out. Input names are the service's field names wherever a
// field maps one to one; where the form and the service differ (one line
// of a text area per list item, blank rows left out), the service's field
// errors are renamed onto the inputs before the form is shown again.

// formControl is one input of an onboarding form.
type formControl struct {
	Form string
	Name string
	// Label names the input; a HideLabel input (a table cell) has it as its
	// accessible name only.
	Label string
	// Short starts the error message shown next to the input ("To must be
	// at least from (1)"); the label when empty.
	Short string
	// Type is text, url, email, date, textarea, select, checkbox (one box)
	// or checkboxes (one per option).
	Type        string
	Value       string
	Checked     bool
	Options     []formOption
	Error       string
	Hint        string
	Placeholder string
	Inputmode   string
	List        string
	Required    bool
	Rows        int
	Max         int
	HideLabel   bool
	// Class is added to the control's wrapper (and cell), for the scheme
	// editor's columns.
	Class string
}

// formOption is one choice of a select or of a group of check boxes.
type formOption struct {
	Value    string
	Label    string
	Selected bool
}

// ID is the input's id, unique on the page.
func (c formControl) ID() string {
	r := strings.NewReplacer("_", "-", ".", "-", "[", "-", "]", "")
	return r.Replace(c.Form + "-" + c.Name)
}

// OptionID is the id of the check box of option i.
func (c formControl) OptionID(i int) string { return fmt.Sprintf("%s-%d", c.ID(), i) }

// ErrorText is the message shown next to the input.
func (c formControl) ErrorText() string {
	if c.Error == "" {
		return ""
	}
	s := c.Short
	if s == "" {
		s = c.Label
	}
	return s + " " + c.Error
}

// DescribedBy lists the ids of the hint and error, for aria-describedby.
func (c formControl) DescribedBy() string {
	var ids []string
	if c.Hint != "" {
		ids = append(ids, c.ID()+"-hint")
	}
	if c.Error != "" {
		ids = append(ids, c.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

func (c formControl) req() formControl               { c.Required = true; return c }
func (c formControl) hint(h string) formControl      { c.Hint = h; return c }
func (c formControl) ph(p string) formControl        { c.Placeholder = p; return c }
func (c formControl) mode(m string) formControl      { c.Inputmode = m; return c }
func (c formControl) list(id string) formControl     { c.List = id; return c }
func (c formControl) max(n int) formControl          { c.Max = n; return c }
func (c formControl) class(cl string) formControl    { c.Class = cl; return c }
func (c formControl) short(s string) formControl     { c.Short = s; return c }
func (c formControl) hideLabel() formControl         { c.HideLabel = true; return c }
func (c formControl) area(rows int) formControl      { c.Type, c.Rows = "textarea", rows; return c }
func (c formControl) typ(t string) formControl       { c.Type = t; return c }
func (c formControl) withValue(v string) formControl { c.Value = v; return c }

// controlForm builds the controls of one form of a page from its state: the
// refused submission shown again, or the defaults.
type controlForm struct {
	f        *Form
	controls map[string]formControl
	order    []string
}

func newControlForm(v *view, name string) *controlForm {
	return &controlForm{f: v.Form(name), controls: map[string]formControl{}}
}

// add registers c (with its error) so the error summary can link to it.
func (b *controlForm) add(c formControl) formControl {
	c.Form = b.f.Name
	c.Error = b.f.Error(c.Name)
	if _, seen := b.controls[c.Name]; !seen {
		b.order = append(b.order, c.Name)
	}
	b.controls[c.Name] = c
	return c
}

// text is a text input with the submitted value or def.
func (b *controlForm) text(name, label, def string) formControl {
	return b.add(formControl{Name: name, Label: label, Type: "text", Value: b.f.Value(name, def)})
}

// decimal is a text input for a number (a price, a quantity).
func (b *controlForm) decimal(name, label, def string) formControl {
	return b.add(formControl{Name: name, Label: label, Type: "text", Inputmode: "decimal", Value: b.f.Value(name, def)})
}

// number is a text input for a whole number.
func (b *controlForm) number(name, label, def string) formControl {
	return b.add(formControl{Name: name, Label: label, Type: "text", Inputmode: "numeric", Value: b.f.Value(name, def)})
}

// textarea is a multi-line input.
func (b *controlForm) textarea(name, label, def string, rows int) formControl {
	return b.add(formControl{Name: name, Label: label, Type: "textarea", Rows: rows, Value: b.f.Value(name, def)})
}

// selectOne is a select of opts with the submitted value or def chosen.
func (b *controlForm) selectOne(name, label, def string, opts []formOption) formControl {
	value := b.f.Value(name, def)
	out := make([]formOption, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == value
		out[i] = o
	}
	return b.add(formControl{Name: name, Label: label, Type: "select", Value: value, Options: out})
}

// checkbox is one check box, checked as submitted or as def.
func (b *controlForm) checkbox(name, label string, def bool) formControl {
	checked := def
	if b.f.Submitted {
		checked = b.f.Values.Get(name) != ""
	}
	return b.add(formControl{Name: name, Label: label, Type: "checkbox", Value: "on", Checked: checked})
}

// checkboxes is a group of check boxes sharing name, one per option,
// checked as submitted or when their value is in def.
func (b *controlForm) checkboxes(name, label string, def []string, opts []formOption) formControl {
	chosen := def
	if b.f.Submitted {
		chosen = b.f.Values[name]
	}
	out := make([]formOption, len(opts))
	for i, o := range opts {
		o.Selected = slices.Contains(chosen, o.Value)
		out[i] = o
	}
	return b.add(formControl{Name: name, Label: label, Type: "checkboxes", Options: out})
}

// formErrLink is one line of a form's error summary, linking to its input.
type formErrLink struct {
	Href string
	Text string
}

// formErrors is the summary shown above a refused form: its message and each
// field error, linked to the input it is about.
type formErrors struct {
	Message string
	Links   []formErrLink
}

// errors returns the form's error summary. Errors about fields the form
// does not show (which the service may still report) are listed by name.
func (b *controlForm) errors() formErrors {
	out := formErrors{Message: b.f.Summary()}
	for _, fe := range b.f.Fields {
		c, ok := b.controls[fe.Field]
		switch {
		case ok:
			href := "#" + c.ID()
			if c.Type == "checkboxes" && len(c.Options) > 0 {
				href = "#" + c.OptionID(0)
			}
			out.Links = append(out.Links, formErrLink{Href: href, Text: c.Label + " " + fe.Message})
		default:
			out.Links = append(out.Links, formErrLink{Text: formFieldLabel(fe.Field) + " " + fe.Message})
		}
	}
	return out
}

// formFieldLabel turns a service field name no input shows
// ("extras[1].scheme.ranges[0].to") into words.
func formFieldLabel(field string) string {
	s := regexp.MustCompile(`\[(\d+)\]`).ReplaceAllStringFunc(field, func(m string) string {
		n, _ := strconv.Atoi(strings.Trim(m, "[]"))
		return " " + strconv.Itoa(n+1)
	})
	s = strings.TrimSpace(strings.NewReplacer(".", " ", "_", " ").Replace(s))
	if s == "" {
		return field
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
