package manifest

import (
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
)

// CheckTemplate checks, without executing it, that the text/template s parses and names only
// fields (all strings but mapField, a map; empty for none), in every branch. It returns one
// message per problem, e.g. `template: unknown field .Verison (want Version, Branch)`, and
// none for a good or empty template. Plans and specs check their templates with it when they
// are loaded, so that a typo fails at its position before any work starts.
func CheckTemplate(s string, fields []string, mapField string) []string {
	if s == "" {
		return nil
	}
	const name = "t"
	t, err := template.New(name).Option("missingkey=error").Parse(s)
	if err != nil {
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, name+":"); ok {
			msg = strings.TrimSpace(after)
			if _, rest, ok := strings.Cut(msg, ": "); ok {
				msg = rest
			}
		}
		return []string{"template: " + msg}
	}
	var bad []string
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			bad = append(bad, checkFields(n.Ident, fields, mapField)...)
		case *parse.VariableNode:
			switch {
			case len(n.Ident) > 1 && n.Ident[0] == "$":
				bad = append(bad, checkFields(n.Ident[1:], fields, mapField)...)
			case len(n.Ident) > 1:
				bad = append(bad, strings.Join(n.Ident, ".")+" (a field of a variable, which cannot be checked)")
			}
		case *parse.ChainNode:
			walk(n.Node)
			if len(n.Field) > 0 {
				bad = append(bad, n.String()+" (a field of an expression, which cannot be checked)")
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(t.Root)
	msgs := make([]string, len(bad))
	for i, f := range bad {
		msgs[i] = "template: unknown field " + f + " (want " + strings.Join(fields, ", ") + ")"
	}
	return msgs
}

// checkFields returns the problems of a field chain (.Name, .Images.x): a known field first, and
// more only after the one map, Images.
func checkFields(ident, fields []string, mapField string) []string {
	switch {
	case len(ident) == 0:
		return nil
	case !slices.Contains(fields, ident[0]):
		return []string{"." + ident[0]}
	case len(ident) > 1 && ident[0] != mapField:
		return []string{"." + strings.Join(ident, ".") + " (." + ident[0] + " is a string)"}
	}
	return nil
}
