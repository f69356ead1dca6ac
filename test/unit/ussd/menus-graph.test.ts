import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { definitions } from '../../../menus';
import { machineDiagram, menusMarkdown } from '../../../src/ussd/menus-graph';

const machines: Record<string, AnyStateMachine> = Object.fromEntries(
  Object.entries(definitions('graph')).map(([name, flow]) => [name, flow.machine]),
);
const markdown = menusMarkdown(machines);

describe('menusMarkdown (docs/menus.md)', () => {
  it('is what docs/menus.md holds (run `npm run menus:graph` after changing a menu)', () => {
    expect(readFileSync(join(__dirname, '../../../docs/menus.md'), 'utf8')).toBe(markdown);
  });

  it('has one Mermaid stateDiagram-v2 per machine', () => {
    expect(markdown.match(/```mermaid\nstateDiagram-v2\n/g)).toHaveLength(Object.keys(machines).length);
    for (const name of Object.keys(machines)) expect(markdown).toContain(`\n## ${name}\n`);
  });

  it.each(Object.entries(machines))('names every state of %s, and draws each one', (_name, machine) => {
    const diagram = machineDiagram(machine);
    const nodes = getStateNodes(machine.root) as AnyStateNode[];
    expect(nodes.length).toBeGreaterThan(2);
    for (const node of nodes) {
      expect(markdown).toContain(`\`${node.id}\``);
      expect(diagram).toMatch(new RegExp(`^  (${node.key} (:|-->)|\\[\\*\\] --> ${node.key}$)`, 'm'));
      if (node.type === 'final') expect(diagram).toContain(`\n  ${node.key} --> [*]`);
    }
  });

  it('labels transitions with the inputs, the invoked outcomes and the screens', () => {
    const main = machineDiagram(machines.main);
    expect(main).toContain('  [*] --> loading');
    expect(main).toContain('  loading : invokes feeDue');
    expect(main).toContain('  menuFee --> tontineFee : 8');
    expect(main).toContain('  menu : screen main.menu');
    expect(main).toContain('  menu --> account : 6');
    expect(main).toContain('  menu --> savings : 4');
    expect(main).toContain('  menu --> loans : 5');
    expect(main).toContain('  menu --> tontineJoin : 3');
    expect(main).toContain('  loans : goto loans');

    const reg = machineDiagram(machines.registration);
    expect(reg).toContain('  welcome --> welcome : 9');
    expect(reg).toContain('  lastName --> firstName : a name');
    expect(reg).toContain('  idNumber --> pinAsk : an ID number');
    expect(reg).toContain('  loadingSfds : invokes listSfds');
    expect(reg).toContain('  loadingSfds --> failed : error');
    expect(reg).toContain('  sfd : screen registration.sfd + list sfds');
    expect(reg).toContain('  pinConfirm --> pinMismatch : 4 digits');

    const account = machineDiagram(machines.account);
    expect(account).toContain("  checkingOldPin --> pinLocked : done: output === 'locked'");
    expect(account).toContain('  languageSaved : goto main (account.language_saved)');
    // Every label is one Mermaid line: no syntax characters a label cannot hold.
    for (const line of markdown.split('\n').filter((l) => l.includes(' --> ') && l.includes(' : '))) {
      expect(line.split(' : ')[1]).not.toMatch(/[;#{}]/);
    }
  });
});
