# Install portalfeed as a systemd service (as root):
#   make install && systemctl daemon-reload && systemctl enable --now portalfeed
PREFIX ?= /usr/local
UNITDIR ?= /etc/systemd/system
CONFDIR ?= /etc/portalfeed

.PHONY: build install uninstall

build:
	cargo build --release --locked

install: build
	install -D -m 0755 target/release/portalfeed $(DESTDIR)$(PREFIX)/bin/portalfeed
	install -D -m 0644 config/portalfeed.service $(DESTDIR)$(UNITDIR)/portalfeed.service
	@if [ ! -e $(DESTDIR)$(CONFDIR)/portalfeed.toml ]; then \
		install -D -m 0644 config/portalfeed.toml $(DESTDIR)$(CONFDIR)/portalfeed.toml; \
	fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/portalfeed $(DESTDIR)$(UNITDIR)/portalfeed.service
