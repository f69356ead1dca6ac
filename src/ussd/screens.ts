import type { TFunction } from 'i18next';
import type { AnyMachineSnapshot } from 'xstate';
import type { FlowName, Lang } from '../../menus';
import { i18n, t } from '../infra/i18n';
import { foldToGsm7 } from '../shared/gsm7';
import { clampScreen, memoizeStatic, paginate, screenText, translate } from './render';
import type { Frame, SessionRecord } from './session';
import type { Stepper } from './stepper';

/** What a hop answers: a screen (`CON`) or the end of the session (`END`). */
export interface Outcome {
  end: boolean;
  text: string;
  /** The client is in the middle of a flow: a drop now may be resumed. */
  resumable: boolean;
}

export interface ScreenSettings {
  screenLimit: number;
  maxInvalid: number;
  /** Values every screen may use, e.g. `{ minutes: PIN_LOCK_MINUTES }`. */
  params: Record<string, unknown>;
}

/**
 * The screens of a session, in its language: a state's text paged to the screen limit (the pages kept
 * in the record for "98"), the resume prompt, an END. Built once at boot with the engine: the memoized
 * translations live here, one per language (see memoizeStatic: i18next's t() costs 10 to 40 µs a call).
 * A notice shown above a screen is given as a translation key.
 */
export class Screens {
  private readonly tr: Record<Lang, TFunction>;

  constructor(
    private readonly steppers: Record<FlowName, Stepper>,
    private readonly settings: ScreenSettings,
  ) {
    const tr = (lang: Lang) => memoizeStatic(t(lang, 'ussd'), (key) => i18n().getResource(lang, 'ussd', key));
    this.tr = { fr: tr('fr'), en: tr('en') };
  }

  /** The whole reply of a hop that shows no screen: one translated END. */
  endReply(lang: Lang, key: string): string {
    return `END ${foldToGsm7(this.tr[lang](key))}`;
  }

  resumePrompt(rec: SessionRecord, notice?: string): Outcome {
    rec.frame = null;
    const tr = this.tr[rec.lang];
    const flow = tr(`flows.${rec.resume?.frame.flow ?? 'main'}`);
    return this.show(rec, tr('resume.prompt', { flow }), null, notice ? tr(notice) : undefined, false);
  }

  /** An input the screen of `snap` refused (`key` says why above it again), or an END after too many. */
  invalid(rec: SessionRecord, snap: AnyMachineSnapshot, key: string): Outcome {
    if (this.tooManyInvalid(rec)) return this.end(rec, 'common.too_many_invalid');
    return this.renderState(rec, snap, key);
  }

  /** An answer the resume prompt does not offer: asked again, or an END after too many. */
  invalidResumeAnswer(rec: SessionRecord): Outcome {
    if (this.tooManyInvalid(rec)) return this.end(rec, 'common.too_many_invalid');
    return this.resumePrompt(rec, 'common.invalid');
  }

  private tooManyInvalid(rec: SessionRecord): boolean {
    rec.bad += 1;
    return rec.bad >= this.settings.maxInvalid;
  }

  /** "98": the next page of the current screen, which the caller checked there is. */
  nextPage(rec: SessionRecord): Outcome {
    rec.page += 1;
    return { end: false, text: rec.pages[rec.page], resumable: true };
  }

  renderFrame(rec: SessionRecord, frame: Frame): Outcome {
    rec.frame = frame;
    return this.renderState(rec, this.steppers[frame.flow].restore(frame));
  }

  /** The screen of `snap`, a state of the current frame's machine. */
  renderState(rec: SessionRecord, snap: AnyMachineSnapshot, notice?: string): Outcome {
    const meta = this.steppers[rec.frame!.flow].meta(snap);
    const tr = this.tr[rec.lang];
    const text = screenText(tr, meta, snap.context as Record<string, unknown>, this.settings.params);
    const resumable = !(meta.root ?? false);
    return this.show(
      rec,
      text,
      meta.root ? null : tr('common.footer'),
      notice ? tr(notice) : undefined,
      resumable,
    );
  }

  private show(
    rec: SessionRecord,
    text: string,
    footer: string | null,
    prefix: string | undefined,
    resumable: boolean,
  ): Outcome {
    const tr = this.tr[rec.lang];
    const pages = paginate(
      prefix ? `${prefix}\n${text}` : text,
      this.settings.screenLimit,
      tr('common.more'),
      footer,
    );
    rec.pages = pages.length > 1 ? pages : [];
    rec.page = 0;
    return { end: false, text: pages[0], resumable };
  }

  end(rec: SessionRecord, key: string, context: Record<string, unknown> = {}): Outcome {
    // An END screen cannot page: a text the client's own data made too long is cut at the limit.
    const text = clampScreen(
      foldToGsm7(translate(this.tr[rec.lang], key, this.settings.params, context)),
      this.settings.screenLimit,
    );
    rec.pages = [];
    return { end: true, text, resumable: false };
  }
}
