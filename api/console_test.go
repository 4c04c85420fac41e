package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// consoleLogin signs in to the console over plain HTTP and returns the session cookie and the
// CSRF token.
func (e *env) consoleLogin(tn tenant) (*http.Cookie, string) {
	e.t.Helper()
	r := e.call("POST", "/console/api/login", map[string]string{"client_id": tn.ClientID, "client_secret": tn.Secret})
	expect(e.t, r, http.StatusCreated)
	var v struct {
		CSRFToken string `json:"csrf_token"`
		ClientID  string `json:"client_id"`
	}
	r.data(&v)
	if v.CSRFToken == "" || v.ClientID != tn.ClientID {
		e.t.Fatalf("sign-in answer: %s", r.Body)
	}
	if strings.Contains(string(r.Body), tn.Secret) {
		e.t.Fatal("the sign-in answer echoes the secret")
	}
	for _, c := range r.HTTP.Cookies() {
		if c.Name == "lorebase_console" {
			return c, v.CSRFToken
		}
	}
	e.t.Fatalf("no console cookie in %v", r.HTTP.Header["Set-Cookie"])
	return nil, ""
}

func withCookie(c *http.Cookie) reqOpt { return func(r *http.Request) { r.AddCookie(c) } }

func TestConsoleSignInCookieAndCSRF(t *testing.T) {
	t.Parallel()
	e := setup(t)

	expect(t, e.call("POST", "/console/api/login", map[string]string{"client_id": e.org.ClientID, "client_secret": "lbs_wrong"}), http.StatusUnauthorized)
	expect(t, e.call("POST", "/console/api/login", map[string]string{"client_id": e.org.ClientID}), http.StatusUnprocessableEntity)
	expect(t, e.call("GET", "/console/api/session", nil), http.StatusUnauthorized)

	r := e.call("POST", "/console/api/login", map[string]string{"client_id": e.org.ClientID, "client_secret": e.org.Secret})
	expect(t, r, http.StatusCreated)
	set := strings.Join(r.HTTP.Header["Set-Cookie"], "\n")
	for _, want := range []string{"lorebase_console=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("console cookie %q lacks %s", set, want)
		}
	}
	cookie, csrf := e.consoleLogin(e.org)
	me := e.call("GET", "/console/api/session", nil, withCookie(cookie))
	expect(t, me, http.StatusOK)
	if !strings.Contains(string(me.Body), csrf) {
		t.Errorf("the session view does not give the page its CSRF token: %s", me.Body)
	}

	// The cookie stands for the key pair: reads need nothing more; changes need the CSRF token.
	expect(t, e.call("GET", "/api/v1/assistants/", nil, withCookie(cookie)), http.StatusOK)
	body := map[string]any{"name": "Console helper"}
	expect(t, e.call("POST", "/api/v1/assistants/", body, withCookie(cookie)), http.StatusForbidden)
	expect(t, e.call("POST", "/api/v1/assistants/", body, withCookie(cookie), withHeader("X-CSRF-Token", "not-it")), http.StatusForbidden)
	expect(t, e.call("POST", "/api/v1/assistants/", body, withCookie(cookie), withHeader("X-CSRF-Token", csrf),
		withHeader("Origin", "https://evil.example")), http.StatusForbidden)
	expect(t, e.call("POST", "/api/v1/assistants/", body, withCookie(cookie), withHeader("X-CSRF-Token", csrf),
		withHeader("Sec-Fetch-Site", "cross-site")), http.StatusForbidden)
	expect(t, e.call("POST", "/api/v1/assistants/", body, withCookie(cookie), withHeader("X-CSRF-Token", csrf),
		withHeader("Origin", e.srv.URL), withHeader("Sec-Fetch-Site", "same-origin")), http.StatusCreated)

	// Another organization's console session sees none of this one's rows.
	other := e.newTenant("Other")
	oc, _ := e.consoleLogin(other)
	var list struct{ Total int }
	e.call("GET", "/api/v1/assistants/", nil, withCookie(oc)).data(&list)
	if list.Total != 0 {
		t.Errorf("another organization's console lists %d assistants", list.Total)
	}

	// Logout needs the CSRF token too, and ends the session on the server.
	expect(t, e.call("POST", "/console/api/logout", nil, withCookie(cookie)), http.StatusForbidden)
	out := e.call("POST", "/console/api/logout", nil, withCookie(cookie), withHeader("X-CSRF-Token", csrf))
	expect(t, out, http.StatusOK)
	if !strings.Contains(strings.Join(out.HTTP.Header["Set-Cookie"], ""), "Max-Age=0") {
		t.Errorf("logout does not clear the cookie: %v", out.HTTP.Header["Set-Cookie"])
	}
	expect(t, e.call("GET", "/api/v1/assistants/", nil, withCookie(cookie)), http.StatusUnauthorized)
}

func TestConsoleSessionEnds(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()

	expired, _ := e.consoleLogin(e.org)
	live, _ := e.consoleLogin(e.org)
	if _, err := e.db.Pool.Exec(ctx, `UPDATE console_sessions SET expires_at = now() - interval '1 second'
WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, expired.Value); err != nil {
		t.Fatal(err)
	}
	expect(t, e.call("GET", "/api/v1/knowledge/", nil, withCookie(expired)), http.StatusUnauthorized)
	expect(t, e.call("GET", "/api/v1/knowledge/", nil, withCookie(live)), http.StatusOK)

	// A deactivated API client signs its console sessions out at once.
	if _, err := e.db.Pool.Exec(ctx, `UPDATE api_clients SET is_active = false WHERE client_id = $1`, e.org.ClientID); err != nil {
		t.Fatal(err)
	}
	expect(t, e.call("GET", "/api/v1/knowledge/", nil, withCookie(live)), http.StatusUnauthorized)
}

func TestBrowserPagesHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, c := range []struct{ path, ctype, csp string }{
		{"/console/", "text/html", "frame-ancestors 'none'"},
		{"/console", "text/html", "frame-ancestors 'none'"},
		{"/console/console.js", "text/javascript", "script-src 'self'"},
		{"/widget.js", "text/javascript", ""},
		{"/widget/?client_id=" + e.org.ClientID, "text/html", "frame-ancestors 'self' https://shop.example"},
		{"/widget/?client_id=lbc_unknown", "text/html", "frame-ancestors 'self'"},
		{"/widget/frame.js", "text/javascript", "script-src 'self'"},
	} {
		r := e.call("GET", c.path, nil)
		if r.HTTP.StatusCode != http.StatusOK || !strings.HasPrefix(r.HTTP.Header.Get("Content-Type"), c.ctype) {
			t.Errorf("GET %s: %d %s", c.path, r.HTTP.StatusCode, r.HTTP.Header.Get("Content-Type"))
			continue
		}
		csp := r.HTTP.Header.Get("Content-Security-Policy")
		if !strings.HasSuffix(csp, c.csp) && !strings.Contains(csp, c.csp+";") {
			t.Errorf("GET %s: Content-Security-Policy %q, want %q", c.path, csp, c.csp)
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: Content-Security-Policy allows inline code: %q", c.path, csp)
		}
		if r.HTTP.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", c.path)
		}
	}
	// No inline script in any page, so the policy holds them all.
	for _, p := range []string{"/console/", "/widget/"} {
		if b := string(e.call("GET", p, nil).Body); strings.Contains(b, "<script>") || strings.Contains(b, "onclick=") {
			t.Errorf("%s carries inline script", p)
		}
	}
	for _, p := range []string{"/console/index.html", "/console/..%2fwidget.js", "/console/.hidden", "/widget/nothing.js"} {
		expect(t, e.call("GET", p, nil), http.StatusNotFound)
	}
}

// TestOwnWidgetHost: the chat panel lorebase serves calls the API from lorebase's own origin and
// names the embedding page in X-Embed-Origin; that page must still be one the client allows.
func TestOwnWidgetHost(t *testing.T) {
	t.Parallel()
	e := setup(t)
	own := withHeader("Origin", e.srv.URL)
	page := withHeader("X-Embed-Origin", "https://shop.example")
	tok := e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": e.org.ClientID}, own, page)
	if tok.HTTP.StatusCode != http.StatusOK {
		t.Fatalf("token through the own widget host: %d %s", tok.HTTP.StatusCode, tok.Body)
	}
	r := e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": e.org.ClientID}, own, withHeader("X-Embed-Origin", "https://evil.example"))
	expect(t, r, http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "origin_not_allowed") {
		t.Errorf("a page the client does not allow: %s", r.Body)
	}
	// Without X-Embed-Origin a same-origin request is the server's own page, not a widget.
	expect(t, e.call("POST", "/api/v1/auth/widget-token", map[string]string{"client_id": e.org.ClientID}, own), http.StatusBadRequest)
}
