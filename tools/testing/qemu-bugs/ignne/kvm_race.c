// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_race: the IGNNE/hflags2 race of QEMU's multi-threaded TCG with KVM
 * alone (no axvcpu). A KVM guest on CPU 0 counts in EAX and writes each
 * count to port 0x10 (every OUT is a #VMEXIT and a VMRUN on CPU 0) while
 * a thread on CPU 1 loops on FLDENV, whose emulation rewrites CPU 0's
 * hflags2 (gif_race.c explains). Every exit must be that OUT with the next
 * count; anything else is printed, and the program ends after @seconds
 * (argv[1], 20) with a line "kvm_race: ..." and status 1 if any exit was
 * wrong or KVM_RUN failed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "axvcpu_util.h"
#include "axvcpu_x86.h"
#include "axvcpu_kvm_x86.h"

X86_GUEST(count_guest, ".code32",
	"xor %eax, %eax\n\t"
	"1: inc %eax\n\t"
	"out %eax, $0x10\n\t"
	"jmp 1b\n\t");

static volatile int stop;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	AXV_REQUIRE(!sched_setaffinity(0, sizeof(set), &set), "pin to CPU %d", cpu);
}

static void *fldenv_fn(void *arg)
{
	unsigned char env[28];

	pin(1);
	while (!stop)
		asm volatile("fnstenv %0\n\tfldenv %0" : "+m"(env));
	return NULL;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 20, kvm;
	unsigned long exits = 0, wrong = 0;
	struct kvm_x86_vm vm;
	pthread_t fpu;
	char why[256];
	time_t end;
	__u32 data;

	if (!axv_load_kvm_modules(KVM_X86_DEFAULT_MODULES, why, sizeof(why)))
		AXV_DIE("KVM: %s", why);
	kvm = open("/dev/kvm", O_RDWR);
	AXV_REQUIRE(kvm >= 0, "open /dev/kvm");
	pin(0);
	AXV_REQUIRE(!kvm_x86_vm_create(&vm, kvm, count_guest_start,
				       count_guest_end, false, why, sizeof(why)),
		    "%s", why);
	pthread_create(&fpu, NULL, fldenv_fn, NULL);
	end = time(NULL) + seconds;
	while (time(NULL) < end && wrong < 10) {
		if (ioctl(vm.vcpu, KVM_RUN, 0)) {
			printf("kvm_race: KVM_RUN failed: %s\n", axv_errno_name(errno));
			wrong++;
			break;
		}
		exits++;
		memcpy(&data, (char *)vm.run + vm.run->io.data_offset, 4);
		if (vm.run->exit_reason == KVM_EXIT_IO && vm.run->io.port == 0x10 &&
		    data == (__u32)exits)
			continue;
		wrong++;
		printf("kvm_race: exit %lu: exit_reason %u (io port %#x data %#x, mmio addr %#llx)\n",
		       exits, vm.run->exit_reason, vm.run->io.port, data,
		       (unsigned long long)vm.run->mmio.phys_addr);
		break;
	}
	stop = 1;
	pthread_join(fpu, NULL);
	printf("kvm_race: %lu guest exits on CPU 0 in up to %d s, %lu wrong\n",
	       exits, seconds, wrong);
	return wrong ? 1 : 0;
}
