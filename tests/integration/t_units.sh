#!/bin/bash
# SPDX-License-Identifier: ISC
# The systemd units: verify cleanly, meet the hardening bar, and install
# (with the rest of the project) into a DESTDIR tree; man pages render.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/units"
for f in "$SRC_DIR"/units/*.service "$SRC_DIR"/units/*.socket "$SRC_DIR"/units/*.timer; do
	# verify wants ExecStart= binaries that exist: point them at the build.
	sed -e "s|/usr/sbin/analyticsd|$BIN/analyticsd|; s|/usr/bin/analyticsctl|$BIN/analyticsctl|" \
		"$f" >"$T/units/$(basename "$f")"
done
ERR=$(systemd-analyze verify --man=no "$T"/units/* 2>&1 >/dev/null); RC=$?
is "$RC" 0 "systemd-analyze verify accepts every unit"
is "$ERR" "" "systemd-analyze verify prints nothing on stderr"

for u in analyticsd.service analyticsd-refresh.service analyticsd-full-refresh.service analyticsd-metrics.service; do
	SCORE=$(systemd-analyze security --offline=yes "$T/units/$u" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "# $u exposure $SCORE"
	check "$u exposure $SCORE is 1.5 or lower" awk -v s="$SCORE" 'BEGIN { exit !(s != "" && s <= 1.5) }'
done
# No IP traffic (a drop-in allows a TCP database), no IPC left behind, bounded memory and tasks.
for want in IPAddressDeny=any RemoveIPC=yes PrivateMounts=yes MemoryMax=256M TasksMax=16; do
	check "analyticsd.service sets $want" grep -qx "$want" "$SRC_DIR/units/analyticsd.service"
done
check "analyticsd.service has no PrivateUsers= (it breaks SO_PEERCRED)" \
	sh -c "! grep -q '^PrivateUsers' '$SRC_DIR/units/analyticsd.service'"
check "the socket is 0660 for the reader group" \
	sh -c "grep -qx 'SocketMode=0660' '$SRC_DIR/units/analyticsd.socket' && grep -qx 'SocketGroup=analyticsd-readers' '$SRC_DIR/units/analyticsd.socket'"
check "sysusers makes an operator group of its own, not the daemon's" \
	grep -qx 'g analyticsd-operators -' "$SRC_DIR/units/analyticsd.sysusers"
check "the example configuration names it" \
	grep -q '^ *operator_group = "analyticsd-operators";' "$SRC_DIR/etc/analyticsd.conf.example"
check "sysusers makes the reader group, and the daemon a member" \
	sh -c "grep -qx 'g analyticsd-readers -' '$SRC_DIR/units/analyticsd.sysusers' && grep -qx 'm analyticsd analyticsd-readers' '$SRC_DIR/units/analyticsd.sysusers'"
check "the metrics service runs as a reader" \
	sh -c "grep -qx 'User=analyticsd-metrics' '$SRC_DIR/units/analyticsd-metrics.service' && grep -qx 'Group=analyticsd-readers' '$SRC_DIR/units/analyticsd-metrics.service'"
check "the metrics timer runs every minute" grep -qx 'OnCalendar=minutely' "$SRC_DIR/units/analyticsd-metrics.timer"

# The metrics file's place: the tmpfiles snippet applied to a stand-in of node_exporter's
# directory (0751: others may pass, not list; another collector's file in it), users mapped
# to nobody and nogroup.
if [ "$(id -u)" = 0 ]; then
	NE=$T/node-exporter
	mkdir -p "$NE" && chmod 0751 "$NE" && echo 'other_metric 1' >"$NE/other.prom"
	sed -e "s|/var/lib/prometheus/node-exporter|$NE|g" -e 's/analyticsd-metrics/nobody/' \
	    -e 's/analyticsd-readers/nogroup/' "$SRC_DIR/units/analyticsd.tmpfiles" >"$T/tmpfiles.conf"
	check "systemd-tmpfiles applies the snippet" systemd-tmpfiles --create "$T/tmpfiles.conf"
	is "$(stat -c %a "$NE")" 751 "the collector's directory keeps its mode"
	is "$(ls -ld "$NE" | cut -c 11)" " " "and gets no ACL (ls shows no +)"
	OUT=$(runuser -u nobody -- "$BIN/analyticsctl" -s "$T/none.sock" metrics \
		--output "$NE/analyticsd/analyticsd.prom" 2>&1)
	like "$(cat "$NE/analyticsd.prom" 2>&1)" '^# HELP|analyticsd_up 0' \
		"the metrics user writes its file, read through the symlink"
	check "it cannot replace another collector's file" \
		sh -c "! runuser -u nobody -- sh -c 'echo x >\"$NE/other.prom\"; rm -f \"$NE/other.prom\"' 2>/dev/null && test -s '$NE/other.prom'"
fi
check "the refresh service treats exit 75 as success" grep -qx 'SuccessExitStatus=75' "$SRC_DIR/units/analyticsd-refresh.service"
check "the hourly timer runs refresh incremental" \
	grep -q '^ExecStart=/usr/bin/analyticsctl .*refresh incremental --trigger timer' "$SRC_DIR/units/analyticsd-refresh.service"
check "the refresh timer is hourly and persistent" \
	sh -c "grep -qx 'OnCalendar=hourly' '$SRC_DIR/units/analyticsd-refresh.timer' && grep -qx 'Persistent=true' '$SRC_DIR/units/analyticsd-refresh.timer'"

# make install into a DESTDIR (from the plain build under make check-valgrind,
# whose BIN holds a wrapper script that make must not rebuild over).
IBUILD=${VALGRIND_PLAIN_BUILD:-$BIN}
make -s -C "$SRC_DIR" BUILD="$IBUILD" install DESTDIR="$T/root" PREFIX=/usr SYSCONFDIR=/etc >"$T/install.log" 2>&1; RC=$?
is "$RC" 0 "make install DESTDIR=... succeeds"
# Everything under PREFIX, systemd's directories included.
for f in usr/sbin/analyticsd usr/bin/analyticsctl usr/lib/systemd/system/analyticsd.service \
	usr/lib/systemd/system/analyticsd.socket usr/lib/systemd/system/analyticsd-refresh.timer \
	usr/lib/systemd/system/analyticsd-full-refresh.timer usr/lib/sysusers.d/analyticsd.conf \
	usr/lib/tmpfiles.d/analyticsd.conf usr/lib/systemd/system/analyticsd-metrics.timer \
	usr/lib/systemd/catalog/analyticsd.catalog usr/share/bash-completion/completions/analyticsctl \
	usr/share/man/man8/analyticsd.8 usr/share/man/man8/analyticsctl.8 usr/share/man/man5/analyticsd.conf.5 \
	usr/share/doc/analyticsd/examples/analyticsd.conf usr/share/doc/analyticsd/README.md \
	usr/share/doc/analyticsd/NEWS usr/share/doc/analyticsd/alerts.yml \
	usr/share/doc/analyticsd/CAPTURE.md usr/share/doc/analyticsd/json/status.json \
	usr/share/doc/analyticsd/json/validate.py etc/analyticsd/analyticsd.conf; do
	check "installed $f" test -s "$T/root/$f"
done
check "no example configuration in /etc" test ! -e "$T/root/etc/analyticsd/analyticsd.conf.example"
check "installed units name the installed binaries" grep -q '^ExecStart=/usr/sbin/analyticsd ' "$T/root/usr/lib/systemd/system/analyticsd.service"
# Every file under /usr that an installed man page names is installed.
MISSING=""
for p in $(cat "$T"/root/usr/share/man/man*/* | grep -o '/usr/[A-Za-z0-9_./-]*' | sed 's/[.]$//' | sort -u); do
	[ -e "$T/root$p" ] || MISSING="$MISSING $p"
done
is "$MISSING" "" "every /usr path the man pages name is installed"
is "$(stat -c %a "$T/root/etc/analyticsd/analyticsd.conf")" 640 "the configuration is installed 0640"
echo '# edited' >>"$T/root/etc/analyticsd/analyticsd.conf"
make -s -C "$SRC_DIR" BUILD="$IBUILD" install DESTDIR="$T/root" PREFIX=/usr SYSCONFDIR=/etc >/dev/null 2>&1
check "a second make install keeps an edited configuration" grep -q '^# edited' "$T/root/etc/analyticsd/analyticsd.conf"
make -s -C "$SRC_DIR" BUILD="$IBUILD" uninstall DESTDIR="$T/root" PREFIX=/usr SYSCONFDIR=/etc >"$T/uninstall.log" 2>&1; RC=$?
is "$RC" 0 "make uninstall succeeds"
is "$(cd "$T/root" && find . ! -type d | sort | tr '\n' ' ')" "./etc/analyticsd/analyticsd.conf " \
	"make uninstall leaves the edited configuration and nothing else"
check "make uninstall says it kept the edited configuration" grep -q 'was edited: kept' "$T/uninstall.log"
make -s -C "$SRC_DIR" BUILD="$IBUILD" install DESTDIR="$T/local" PREFIX=/usr/local >/dev/null 2>&1
check "with PREFIX=/usr/local the units go under it and name it" \
	grep -q '^ExecStart=/usr/local/sbin/analyticsd ' "$T/local/usr/local/lib/systemd/system/analyticsd.service"
check "with PREFIX=/usr/local the man pages name its documentation" \
	grep -q '/usr/local/share/doc/analyticsd/alerts.yml' "$T/local/usr/local/share/man/man8/analyticsctl.8"
is "$(cd "$T/local" && find . ! -type d ! -path './usr/local/*' ! -path './etc/analyticsd/*' | wc -l)" 0 \
	"with PREFIX=/usr/local nothing but the configuration goes outside it"
make -s -C "$SRC_DIR" BUILD="$IBUILD" uninstall DESTDIR="$T/local" PREFIX=/usr/local >/dev/null 2>&1
is "$(cd "$T/local" && find . ! -type d | wc -l)" 0 "make uninstall removes an unedited installation whole"
check "the example configuration is valid" "$BIN/analyticsd" --check-config -c "$SRC_DIR/etc/analyticsd.conf.example"

for m in analyticsd.8 analyticsctl.8 analyticsd.conf.5; do
	OUT=$(MANWIDTH=80 man --warnings -l "$SRC_DIR/man/$m" 2>&1 >/dev/null)
	is "$OUT" "" "man -l $m renders without warnings"
	check "man -l $m has content" sh -c "MANWIDTH=80 man -l '$SRC_DIR/man/$m' 2>/dev/null | grep -q NAME"
done

# The message catalogue compiles and lists every MESSAGE_ID.
mkdir -p "$T/cat/usr/lib/systemd/catalog" "$T/cat/var/lib/systemd"
cp "$SRC_DIR/catalog/analyticsd.catalog" "$T/cat/usr/lib/systemd/catalog/"
ERR=$(journalctl --root="$T/cat" --update-catalog 2>&1)
is "$ERR" "" "journalctl --update-catalog accepts the catalogue"
is "$(journalctl --root="$T/cat" --list-catalog 2>/dev/null | grep -c analyticsd)" \
	"$(grep -c '^#define MSGID_' "$SRC_DIR/daemon/msgids.h")" "the catalogue has an entry per MESSAGE_ID"

check "bash completion completes a table's columns after -o" env PATH="$BIN:$PATH" bash -c "source '$SRC_DIR/completion/analyticsctl.bash'; COMP_WORDS=(analyticsctl runs -o ID,ST); COMP_CWORD=3; _analyticsctl; [ \"\${COMPREPLY[*]}\" = 'ID,STARTED ID,STATUS' ]"
check "bash completion completes help's command" bash -c "source '$SRC_DIR/completion/analyticsctl.bash'; COMP_WORDS=(analyticsctl help canc); COMP_CWORD=2; _analyticsctl; [ \"\${COMPREPLY[*]}\" = cancel ]"
check "bash completion completes commands" bash -c "source '$SRC_DIR/completion/analyticsctl.bash'; COMP_WORDS=(analyticsctl ref); COMP_CWORD=1; _analyticsctl; [ \"\${COMPREPLY[*]}\" = refresh ]"
# The refresh modes the completion offers are the protocol's (lib/proto.c), whatever the order.
MODES=$(sed -n 's/^\t\[PROTO_MODE_[A-Z]*\] = "\(.*\)",$/\1/p' "$SRC_DIR/lib/proto.c" | sort | paste -sd' ')
COMPLETED=$(bash -c "source '$SRC_DIR/completion/analyticsctl.bash'; COMP_WORDS=(analyticsctl refresh ''); COMP_CWORD=2; _analyticsctl; printf '%s\n' \"\${COMPREPLY[@]}\"" | sort | paste -sd' ')
if [ -n "$MODES" ]; then
	is "$COMPLETED" "$MODES" "bash completion offers the protocol's refresh modes"
else
	not_ok "the refresh modes found in lib/proto.c"
fi
t_done
