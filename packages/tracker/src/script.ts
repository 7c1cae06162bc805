/** The script-tag entry (`dist/vouch*.js`): `<script async src=".../vouch.js" data-key="vch_pk_…">`. */
import { bootFromScriptTag } from "./boot";

bootFromScriptTag(document.currentScript as HTMLScriptElement | null, window as never);
