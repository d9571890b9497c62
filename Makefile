# SPDX-License-Identifier: GPL-2.0
#
# axvcpu top-level Makefile.
#   make                  build axvcpu.ko against KDIR (default: the running kernel)
#   make check            build and run every kselftest lane in its emulator
#   make check LANES=x86-svm   a subset of the lanes
#   make bench            round-trip benchmarks against KVM (prints figures)
#   make fuzz             the long ioctl fuzzer run (1M calls, random seed;
#                         AXVCPU_FUZZ_SEED=N replays one) in the debug lane
#   make stress           CPU hotplug, kill -9, kicks and KVM alternation
#                         repeated under multi-threaded TCG in the debug
#                         lane (AXVCPU_STRESS_SECONDS, 1800 by default)
#   make demo             the reference VMM running a sample guest in the
#                         emulator, its console output shown
#   make tools            the reference VMM, axvcpu-run (tools/axvcpu-run/build)
#   make lint             checkpatch --strict and sparse on the module
#   make install          the module into /lib/modules/$(KVER)/updates,
#                         depmod, and udev/60-axvcpu.rules (group kvm rw,
#                         as /dev/kvm); DESTDIR= stages it elsewhere
#   make uninstall        what make install put there
#   make headers_install  the uapi header into $(INSTALL_HDR_PATH)/include
#                         for VMM builds (INSTALL_HDR_PATH=/usr by default)
#   make dkms-install     the source into /usr/src/axvcpu-$(DKMS_VERSION),
#                         dkms add, build and install (for KVER), and the
#                         udev rule: rebuilt for every kernel installed later
#   make dkms-remove      dkms remove --all, the source and the rule gone

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
# modules_install's own directory comes from the headers' kernel.release,
# which Debian 12's 6.1 headers give as 6.1.192 instead of 6.1.0-N-amd64:
# the module goes where the running kernel (or KVER) looks.
MODDIR = $(DESTDIR)/lib/modules/$(KVER)/updates
UDEVDIR ?= /lib/udev/rules.d
INSTALL_HDR_PATH ?= /usr
# DKMS's version of the source: <ABI version>.<git describe>, as modinfo's
AXVCPU_ABI := $(shell sed -n 's/^\#define AXVCPU_API_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
		include/uapi/linux/axvcpu.h)
DKMS_VERSION ?= $(AXVCPU_ABI).$(shell git describe --always --dirty 2>/dev/null || echo unknown)
DKMS_SRC = $(DESTDIR)/usr/src/axvcpu-$(DKMS_VERSION)
# what a module build needs, and nothing of tools/
DKMS_FILES = Kbuild Makefile dkms.conf *.c *.h arch include udev

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -f *.o *.ko *.mod* Module.symvers modules.order arch/*/*.o arch/*/.*.cmd .*.cmd
	rm -rf build

check:
	tools/testing/check.sh $(if $(LANES),--lanes "$(LANES)")

bench:
	tools/testing/check.sh --bench $(if $(LANES),--lanes "$(LANES)")

fuzz:
	tools/testing/check.sh --fuzz $(if $(LANES),--lanes "$(LANES)")

stress:
	tools/testing/check.sh --stress $(if $(LANES),--lanes "$(LANES)")

lint:
	tools/testing/lint.sh

demo:
	tools/testing/check.sh --demo $(if $(LANES),--lanes "$(LANES)")

tools:
	$(MAKE) -C tools/axvcpu-run

install: modules
	install -D -m 0644 axvcpu.ko $(MODDIR)/axvcpu.ko
	install -D -m 0644 udev/60-axvcpu.rules $(DESTDIR)$(UDEVDIR)/60-axvcpu.rules
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

uninstall:
	rm -f $(MODDIR)/axvcpu.ko $(DESTDIR)$(UDEVDIR)/60-axvcpu.rules
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

headers_install:
	install -D -m 0644 include/uapi/linux/axvcpu.h $(INSTALL_HDR_PATH)/include/linux/axvcpu.h

# dkms-source: the source DKMS builds from, its version filled in
dkms-source:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r $(DKMS_FILES) $(DKMS_SRC)/
	find $(DKMS_SRC) \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name Module.symvers -o -name modules.order \) -delete
	sed -i 's/@PACKAGE_VERSION@/$(DKMS_VERSION)/' $(DKMS_SRC)/dkms.conf

dkms-install: dkms-source
	dkms add -m axvcpu -v $(DKMS_VERSION)
	dkms build -m axvcpu -v $(DKMS_VERSION) -k $(KVER)
	dkms install -m axvcpu -v $(DKMS_VERSION) -k $(KVER)
	install -D -m 0644 udev/60-axvcpu.rules $(DESTDIR)$(UDEVDIR)/60-axvcpu.rules

dkms-remove:
	-dkms remove -m axvcpu -v $(DKMS_VERSION) --all
	rm -rf $(DKMS_SRC) $(DESTDIR)$(UDEVDIR)/60-axvcpu.rules

.PHONY: all modules sparse clean check bench fuzz stress lint demo tools install \
	uninstall headers_install dkms-source dkms-install dkms-remove
