package app

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// DemoPassword is the password of every demo user.
const DemoPassword = "nephele-demo-2026"

// DemoLogin is one demo user, printed by `nephele demo`.
type DemoLogin struct {
	Role  identity.Role
	Email string
	Org   string
}

type demoOrg struct {
	key, name, email, country string
	kind                      identity.OrgKind
	parent                    string // key of the parent; "" for the operator
	address, taxID            string
}

// The demo marketplace: an operator, two vendors, a distributor with two
// resellers, and customers bought through each level of the channel.
var demoOrgs = []demoOrg{
	{key: "clouddrive", name: "CloudDrive Inc.", email: "hello@clouddrive.example", country: "US", kind: identity.VendorOrg,
		address: "500 Market Street\nSan Francisco, CA 94105", taxID: "US-94-1234567"},
	{key: "securemail", name: "SecureMail GmbH", email: "sales@securemail.example", country: "DE", kind: identity.VendorOrg,
		address: "Friedrichstraße 68\n10117 Berlin", taxID: "DE811234567"},
	{key: "eurocloud", name: "EuroCloud Distribution", email: "partners@eurocloud.example", country: "NL", kind: identity.DistributorOrg,
		address: "Keizersgracht 100\n1015 CV Amsterdam", taxID: "NL123456789B01"},
	{key: "skyline", name: "Skyline ISP", email: "shop@skyline.example", country: "IT", kind: identity.ResellerOrg, parent: "eurocloud",
		address: "Corso Buenos Aires 12\n20124 Milano MI", taxID: "IT09876543210"},
	{key: "metro", name: "Metro Telecom", email: "store@metro.example", country: "ES", kind: identity.ResellerOrg, parent: "eurocloud",
		address: "Calle de Alcalá 45\n28014 Madrid", taxID: "ESB12345678"},
	{key: "acme", name: "Acme Corp", email: "it@acme.example", country: "IT", kind: identity.CustomerOrg, parent: "skyline",
		address: "Via Torino 21\n10121 Torino TO", taxID: "IT01122334455"},
	{key: "globex", name: "Globex S.p.A.", email: "admin@globex.example", country: "IT", kind: identity.CustomerOrg, parent: "skyline",
		address: "Piazza Maggiore 3\n40124 Bologna BO"},
	{key: "initech", name: "Initech S.L.", email: "ops@initech.example", country: "ES", kind: identity.CustomerOrg, parent: "metro",
		address: "Avinguda Diagonal 400\n08037 Barcelona"},
	{key: "umbrella", name: "Umbrella Ltd", email: "it@umbrella.example", country: "GB", kind: identity.CustomerOrg,
		address: "1 Raccoon Street\nLondon EC1A 1BB", taxID: "GB123456789"},
}

type demoUser struct {
	org, email, name string
	role             identity.Role
}

var demoUsers = []demoUser{
	{org: "", email: "root@nephele.example", name: "Sam Root", role: identity.SuperAdmin},
	{org: "", email: "admin@nephele.example", name: "Ada Admin", role: identity.Admin},
	{org: "", email: "supervisor@nephele.example", name: "Sue Visor", role: identity.Supervisor},
	{org: "clouddrive", email: "vendor@clouddrive.example", name: "Victor Drive"},
	{org: "securemail", email: "vendor@securemail.example", name: "Greta Mail"},
	{org: "eurocloud", email: "distributor@eurocloud.example", name: "Dirk Cloud"},
	{org: "skyline", email: "reseller@skyline.example", name: "Rita Skyline"},
	{org: "metro", email: "reseller@metro.example", name: "Mateo Metro"},
	{org: "acme", email: "customer@acme.example", name: "Carla Acme"},
	{org: "globex", email: "customer@globex.example", name: "Hank Globex"},
	{org: "initech", email: "customer@initech.example", name: "Peter Initech"},
	{org: "umbrella", email: "customer@umbrella.example", name: "Alice Umbrella"},
}

// SeedDemo fills the marketplace with demo organizations and users. It is
// idempotent: what already exists (by a recorded key for organizations, by
// email for users) is left alone, so running the demo twice duplicates
// nothing. It returns one login per role.
func (a *App) SeedDemo(ctx context.Context) (logins []DemoLogin, err error) {
	// Two processes seeding one database at once take turns.
	err = a.DB.WithMigrationLock(ctx, func(ctx context.Context) error {
		logins, err = a.seedDemo(ctx)
		return err
	})
	return logins, err
}

func (a *App) seedDemo(ctx context.Context) ([]DemoLogin, error) {
	ctx = actor.With(ctx, actor.System)
	op, err := a.Identity.Operator(ctx)
	if err != nil {
		return nil, err
	}
	orgIDs := map[string]string{"": op.ID}
	orgNames := map[string]string{"": op.Name}
	for _, o := range demoOrgs {
		id, err := a.demoOrgID(ctx, o, orgIDs[o.parent])
		if err != nil {
			return nil, fmt.Errorf("demo organization %s: %w", o.name, err)
		}
		orgIDs[o.key], orgNames[o.key] = id, o.name
	}
	var logins []DemoLogin
	seen := map[identity.Role]bool{}
	for _, u := range demoUsers {
		created, err := a.Identity.CreateUser(ctx, identity.CreateUserInput{OrgID: orgIDs[u.org], Email: u.email, Name: u.name, Role: u.role, Password: DemoPassword})
		switch {
		case errs.Is(err, "email_taken"):
			existing, err := a.Identity.UserByEmail(ctx, u.email)
			if err != nil {
				return nil, err
			}
			created = existing
		case err != nil:
			return nil, fmt.Errorf("demo user %s: %w", u.email, err)
		}
		if !seen[created.Role] {
			seen[created.Role] = true
			logins = append(logins, DemoLogin{Role: created.Role, Email: created.Email, Org: orgNames[u.org]})
		}
	}
	if err := a.seedDemoCatalog(ctx, orgIDs); err != nil {
		return nil, err
	}
	if err := a.seedDemoBilling(ctx, orgIDs); err != nil {
		return nil, err
	}
	return logins, nil
}

// demoOrgID returns the id of a demo organization, creating it the first
// time.
func (a *App) demoOrgID(ctx context.Context, o demoOrg, parentID string) (string, error) {
	return a.demoObject(ctx, "demo.org."+o.key, func(ctx context.Context) (string, error) {
		org, err := a.Identity.CreateOrganization(ctx, identity.CreateOrganizationInput{Kind: o.kind, ParentID: parentID, Name: o.name,
			Email: o.email, Country: o.country, Address: o.address, TaxID: o.taxID})
		return org.ID, err
	})
}

// PrintDemo writes the demo's address and logins.
func PrintDemo(w io.Writer, url string, logins []DemoLogin) {
	fmt.Fprintf(w, "\nNephele demo marketplace is running at %s\n", url)
	fmt.Fprintf(w, "API docs: %s/api/docs   OpenAPI: %s/api/v1/openapi.json\n\n", url, url)
	fmt.Fprintf(w, "Demo logins (password for all: %s):\n", DemoPassword)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Role, l.Email, l.Org)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nAPI example:\n  curl -s -X POST %s/api/v1/auth/login -H 'Content-Type: application/json' \\\n    -d '{\"email\": \"admin@nephele.example\", \"password\": \"%s\"}'\n\n", url, DemoPassword)
}
