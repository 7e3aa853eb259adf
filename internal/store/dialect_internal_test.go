package store

import "testing"

func TestRebind(t *testing.T) {
	tests := []struct{ in, sqlite, postgres string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b IN (?,?)", "a = ? AND b IN (?,?)", "a = $1 AND b IN ($2,$3)"},
		{"x = '?' AND y = ?", "x = '?' AND y = ?", "x = '?' AND y = $1"},
		{`"we?ird" = ? OR z = 'it''s ?' OR w = ?`, `"we?ird" = ? OR z = 'it''s ?' OR w = ?`, `"we?ird" = $1 OR z = 'it''s ?' OR w = $2`},
	}
	for _, tt := range tests {
		if got := sqliteDialect.rebind(tt.in); got != tt.sqlite {
			t.Errorf("sqlite rebind(%q) = %q, want %q", tt.in, got, tt.sqlite)
		}
		if got := postgresDialect.rebind(tt.in); got != tt.postgres {
			t.Errorf("postgres rebind(%q) = %q, want %q", tt.in, got, tt.postgres)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"/data/minutebook.db":                      "/data/minutebook.db",
		"postgres://mb:secret@db:5432/minutebook":  "postgres://mb:xxxxx@db:5432/minutebook",
		"postgresql://mb@db/minutebook?sslmode=no": "postgresql://mb@db/minutebook?sslmode=no",
	}
	for in, want := range tests {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
