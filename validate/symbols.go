package validate

import (
	"debug/elf"
	"debug/macho"
	"debug/pe"
)

// symbols returns the names in a binary's symbol table, and whether it has one (a binary linked
// with -s has none). A variable an -X flag sets is in it unless the linker dropped it unused.
func symbols(exe string) (map[string]bool, bool) {
	out := map[string]bool{}
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		syms, err := f.Symbols()
		if err != nil || len(syms) == 0 {
			return nil, false
		}
		for _, s := range syms {
			out[s.Name] = true
		}
		return out, true
	}
	if f, err := macho.Open(exe); err == nil {
		defer f.Close()
		if f.Symtab == nil || len(f.Symtab.Syms) == 0 {
			return nil, false
		}
		for _, s := range f.Symtab.Syms {
			out[s.Name] = true
		}
		return out, true
	}
	if f, err := pe.Open(exe); err == nil {
		defer f.Close()
		if len(f.Symbols) == 0 {
			return nil, false
		}
		for _, s := range f.Symbols {
			out[s.Name] = true
		}
		return out, true
	}
	return nil, false
}
